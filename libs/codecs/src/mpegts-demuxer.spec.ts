import { MpegTsDemuxError } from './codec-errors';
import { FlvToMpegTsMuxer } from './flv-to-mpegts-muxer';
import { type MpegTsAccessUnit, MpegTsDemuxer } from './mpegts-demuxer';
import { MpegTsToFlv } from './mpegts-to-flv';
import { MPEGTS_FIXTURES, type MpegTsFixtureName, readMpegTsFixture, tsPackets, tsPid } from './testing/mpegts-fixtures';

function demuxAll(buf: Buffer, demuxer = new MpegTsDemuxer()): MpegTsAccessUnit[] {
  return [...demuxer.push(buf), ...demuxer.flush()];
}

const summary = (aus: MpegTsAccessUnit[]): string[] => aus.map((a) => `${a.codec}/${a.pid}/${a.dtsMs}/${a.ptsMs}/${a.keyframe}/${a.data.toString('hex')}`);

function expectMonotonicPerPid(aus: MpegTsAccessUnit[]): void {
  const last = new Map<number, number>();
  for (const au of aus) {
    expect(au.dtsMs).toBeGreaterThanOrEqual(last.get(au.pid) ?? -Infinity);
    expect(au.ptsMs).toBeGreaterThanOrEqual(au.dtsMs);
    last.set(au.pid, au.dtsMs);
  }
}

/** A synthetic H.264+AAC TS (through our own muxer) of the fixture's first `durationMs`, with DTS shifted to start at `startMs`. */
function synthTs(startMs: number, durationMs = 800): Buffer {
  const flv = new MpegTsToFlv().pushAll(demuxAll(readMpegTsFixture('h264-aac')));
  const muxer = new FlvToMpegTsMuxer();
  return Buffer.concat(flv.filter((t) => t.timestamp < durationMs).flatMap((tag) => muxer.push({ ...tag, timestamp: startMs + tag.timestamp })));
}

describe('MpegTsDemuxer', () => {
  describe.each(Object.keys(MPEGTS_FIXTURES) as MpegTsFixtureName[])('when fed the FFmpeg fixture %s', (name) => {
    const expected = MPEGTS_FIXTURES[name];
    const demuxer = new MpegTsDemuxer();
    const aus = demuxAll(readMpegTsFixture(name), demuxer);
    const video = aus.filter((a) => a.codec === expected.video);
    const audio = aus.filter((a) => a.codec === expected.audio);

    it('returns as many access units per stream as ffprobe counts', () => {
      expect([video.length, audio.length]).toEqual([expected.videoFrames, expected.audioFrames]);
      expect(aus).toHaveLength(video.length + audio.length);
    });

    it('reports no damage', () => {
      expect(demuxer.stats).toMatchObject({ continuityErrors: 0, discontinuities: 0, droppedBytes: 0 });
      expect(demuxer.stats.packets).toBe(readMpegTsFixture(name).length / 188);
    });

    it('starts the video with a keyframe every 10 or 25 frames and Annex B data', () => {
      expect(video[0]?.keyframe).toBe(true);
      expect(video.filter((a) => a.keyframe).length).toBeGreaterThanOrEqual(1);
      for (const au of video) expect(au.data.subarray(0, 3).equals(Buffer.from([0, 0, 0])) || au.data.subarray(0, 3).equals(Buffer.from([0, 0, 1]))).toBe(true);
    });

    it('gives timestamps on one millisecond timeline starting near 0, monotonic per PID', () => {
      expectMonotonicPerPid(aus);
      expect(Math.min(...aus.map((a) => a.dtsMs))).toBeLessThan(50);
      expect(Math.max(...video.map((a) => a.dtsMs))).toBeCloseTo(960, -1); // 25 frames at 25 fps
    });

    it('describes the audio', () => {
      if (expected.audio === 'aac') {
        expect(audio[0]?.aac).toEqual({ audioObjectType: 2, sampleRate: expected.sampleRate, channels: expected.channels });
        expect(audio[0]?.data[0]).not.toBe(0xff); // ADTS header stripped
        expect((audio[1]?.dtsMs ?? 0) - (audio[0]?.dtsMs ?? 0)).toBeCloseTo((1024 * 1000) / expected.sampleRate, 3);
      } else if (expected.audio === 'ac3' || expected.audio === 'eac3') {
        // One whole sync frame per access unit, 1536 samples apart.
        expect(audio[0]?.ac3).toEqual({ sampleRate: expected.sampleRate, channels: expected.channels });
        expect(audio.every((a) => a.data.readUInt16BE(0) === 0x0b77)).toBe(true);
        expect((audio[1]?.dtsMs ?? 0) - (audio[0]?.dtsMs ?? 0)).toBeCloseTo((1536 * 1000) / expected.sampleRate, 3);
      } else {
        expect(audio[0]?.opus).toEqual({ channels: 2 });
        expect((audio[2]?.dtsMs ?? 0) - (audio[1]?.dtsMs ?? 0)).toBeCloseTo(20, 3);
      }
    });

    it('returns the same access units whatever the chunking', () => {
      const buf = readMpegTsFixture(name);
      const oneByte = new MpegTsDemuxer();
      const got: MpegTsAccessUnit[] = [];
      for (let i = 0; i < buf.length; i += 7) got.push(...oneByte.push(buf.subarray(i, i + 7)));
      got.push(...oneByte.flush());
      expect(summary(got)).toEqual(summary(aus));
    });
  });

  describe('when E-AC-3 comes with a dependent substream (7.1 as 5.1 + 2)', () => {
    /** A 128-byte E-AC-3 sync frame at 48 kHz, 6 blocks: independent (strmtyp 0) or dependent (1). */
    const eac3Frame = (dependent: boolean, fill: number) => {
      const frame = Buffer.alloc(128, fill);
      Buffer.from([0x0b, 0x77, dependent ? 0x40 : 0x00, 0x3f, 0x34, 0x80]).copy(frame);
      return frame;
    };
    const ecTag = (timestamp: number, body: Buffer) => ({
      kind: 'audio' as const,
      timestamp,
      payload: Buffer.concat([Buffer.from([0x91]), Buffer.from('ec-3', 'latin1'), body]),
    });

    it('keeps each independent frame with the dependent frames after it, and drops a dependent frame with none before it', () => {
      const muxer = new FlvToMpegTsMuxer();
      const independent = eac3Frame(false, 1);
      const dependent = eac3Frame(true, 2);
      const ts = Buffer.concat([
        ...muxer.push(ecTag(0, Buffer.concat([independent, dependent]))),
        ...muxer.push(ecTag(32, eac3Frame(false, 3))),
        ...muxer.push(ecTag(64, eac3Frame(true, 4))), // a stray dependent frame: the muxer takes it (it checks the codec only)
      ]);
      const demuxer = new MpegTsDemuxer();
      const aus = demuxAll(ts, demuxer);
      expect(aus.map((a) => [a.codec, a.data.length, a.data[6]])).toEqual([
        ['eac3', 256, 1],
        ['eac3', 128, 3],
      ]);
      expect(aus[0]?.data.subarray(128).equals(dependent)).toBe(true);
      expect(demuxer.stats.droppedBytes).toBe(128);
    });
  });

  describe('when garbage precedes and interrupts the stream', () => {
    it('resyncs on the sync byte and counts the skipped bytes', () => {
      const packets = tsPackets(readMpegTsFixture('h264-aac'));
      const junk = Buffer.from('not a ts packet \x47 but junk'.repeat(3), 'latin1');
      const buf = Buffer.concat([junk, ...packets.slice(0, 60), junk, ...packets.slice(60)]);
      const demuxer = new MpegTsDemuxer();
      const aus = demuxAll(buf, demuxer);
      expect(demuxer.stats.droppedBytes).toBeGreaterThanOrEqual(2 * junk.length);
      expect(aus.length).toBeGreaterThan(60);
      expectMonotonicPerPid(aus);
    });
  });

  describe('when no sync byte comes within maxResyncBytes', () => {
    it('throws MpegTsDemuxError', () => {
      const demuxer = new MpegTsDemuxer({ maxResyncBytes: 1000 });
      expect(() => demuxer.push(Buffer.alloc(2000, 0x00))).toThrow(MpegTsDemuxError);
    });

    it('also throws when the garbage trickles in', () => {
      const demuxer = new MpegTsDemuxer({ maxResyncBytes: 1000 });
      expect(() => {
        for (let i = 0; i < 100; i++) demuxer.push(Buffer.alloc(20, 0x12));
      }).toThrow(MpegTsDemuxError);
    });
  });

  describe('when a packet of a video PES is lost', () => {
    const packets = tsPackets(readMpegTsFixture('h264-aac'));
    const intact = demuxAll(readMpegTsFixture('h264-aac'));
    // The third packet on the video PID is inside the first (multi-packet) keyframe PES.
    const videoPackets = packets.map((p, i) => [p, i] as const).filter(([p]) => tsPid(p) === 0x100);
    const lostIndex = videoPackets[2]?.[1] as number;
    const demuxer = new MpegTsDemuxer();
    const aus = demuxAll(Buffer.concat(packets.filter((_, i) => i !== lostIndex)), demuxer);

    it('counts a continuity error', () => {
      expect(demuxer.stats.continuityErrors).toBe(1);
    });

    it('discards that access unit whole and keeps every other one intact', () => {
      expect(aus).toHaveLength(intact.length - 1);
      const intactData = new Set(intact.map((a) => a.data.toString('hex')));
      for (const au of aus) expect(intactData.has(au.data.toString('hex'))).toBe(true);
      expect(aus.some((a) => a.codec === 'h264' && a.dtsMs === intact[0]?.dtsMs && a.keyframe)).toBe(false);
    });
  });

  describe('when a packet is duplicated', () => {
    it('ignores the copy without an error', () => {
      const packets = tsPackets(readMpegTsFixture('h264-aac'));
      const dup = packets.findIndex((p, i) => i > 10 && tsPid(p) === 0x100);
      const demuxer = new MpegTsDemuxer();
      const aus = demuxAll(Buffer.concat([...packets.slice(0, dup + 1), packets[dup] as Buffer, ...packets.slice(dup + 1)]), demuxer);
      expect(demuxer.stats.continuityErrors).toBe(0);
      expect(summary(aus)).toEqual(summary(demuxAll(readMpegTsFixture('h264-aac'))));
    });
  });

  describe('when PTS/DTS wrap around 2^33 ticks', () => {
    // Our muxer adds 1.4 s: FLV time 95_442_000 ms lands ~318 ms before the 33-bit wrap.
    const wrapped = demuxAll(synthTs(95_442_000));
    const plain = demuxAll(synthTs(0));
    const relative = (aus: MpegTsAccessUnit[]): string[] =>
      aus.map((a) => `${a.codec} ${Math.round(a.dtsMs - (aus[0] as MpegTsAccessUnit).dtsMs)} ${Math.round(a.ptsMs - a.dtsMs)}`);

    it('unwraps them into the same continuous timeline as without a wrap', () => {
      expect(wrapped.length).toBeGreaterThan(40);
      expectMonotonicPerPid(wrapped);
      expect(relative(wrapped)).toEqual(relative(plain));
    });
  });

  describe('when the time base jumps (encoder restart, splice)', () => {
    const demuxer = new MpegTsDemuxer();
    const aus = demuxAll(Buffer.concat([synthTs(10_000), synthTs(3_600_000)]), demuxer);

    it('counts a discontinuity and re-bases so the output stays continuous', () => {
      expect(demuxer.stats.discontinuities).toBe(1);
      expectMonotonicPerPid(aus);
      const video = aus.filter((a) => a.codec === 'h264').map((a) => a.dtsMs);
      const steps = video.slice(1).map((t, i) => t - (video[i] as number));
      expect(Math.max(...steps)).toBeLessThanOrEqual(80);
    });

    it('keeps audio next to video after the re-base', () => {
      const lastVideo = aus.filter((a) => a.codec === 'h264').at(-1)?.dtsMs as number;
      const lastAudio = aus.filter((a) => a.codec === 'aac').at(-1)?.dtsMs as number;
      expect(Math.abs(lastVideo - lastAudio)).toBeLessThan(500);
    });
  });

  describe('when the discontinuity_indicator announces a new time base', () => {
    it('re-bases at the next timestamp even for a jump under the bound', () => {
      const second = tsPackets(synthTs(5_000));
      // Set discontinuity_indicator on the first video packet (it has an adaptation field: PCR + random access).
      const firstVideo = second.find((p) => tsPid(p) === 0x100) as Buffer;
      firstVideo[5] = (firstVideo[5] as number) | 0x80;
      const demuxer = new MpegTsDemuxer();
      const aus = demuxAll(Buffer.concat([synthTs(0), ...second]), demuxer);
      expect(demuxer.stats.discontinuities).toBe(1);
      const video = aus.filter((a) => a.codec === 'h264').map((a) => a.dtsMs);
      expect(Math.max(...video.slice(1).map((t, i) => t - (video[i] as number)))).toBeLessThanOrEqual(80);
    });
  });

  describe('when the program changes (new PMT: H.264 → HEVC on the same PID)', () => {
    it('follows the new stream type', () => {
      const aus = demuxAll(Buffer.concat([readMpegTsFixture('h264-aac'), readMpegTsFixture('hevc-aac')]));
      const codecs = aus.map((a) => a.codec).filter((c) => c === 'h264' || c === 'hevc');
      expect(codecs.filter((c) => c === 'h264').length).toBeGreaterThanOrEqual(24);
      expect(codecs.filter((c) => c === 'hevc').length).toBeGreaterThanOrEqual(24);
      expect(codecs.lastIndexOf('h264')).toBeLessThan(codecs.indexOf('hevc'));
    });
  });

  describe('when PES packets exceed maxPesBytes', () => {
    it('drops an occasional one and counts its bytes', () => {
      const ts = synthTs(0, 1000);
      const all = demuxAll(ts);
      const demuxer = new MpegTsDemuxer({ maxPesBytes: 1500 });
      const aus = demuxAll(ts, demuxer);
      expect(aus.filter((a) => a.keyframe && a.codec === 'h264')).toHaveLength(0); // the keyframes are ~2 KB
      expect(aus.filter((a) => a.codec === 'h264')).toHaveLength(all.filter((a) => a.codec === 'h264' && !a.keyframe).length);
      expect(aus.filter((a) => a.codec === 'aac')).toHaveLength(all.filter((a) => a.codec === 'aac').length);
      expect(demuxer.stats.droppedBytes).toBeGreaterThan(1500);
    });

    it('throws MpegTsDemuxError when they keep coming', () => {
      const demuxer = new MpegTsDemuxer({ maxPesBytes: 100 });
      expect(() => demuxAll(readMpegTsFixture('h264-aac'), demuxer)).toThrow(MpegTsDemuxError);
    });
  });

  describe('when a video PES ends in a stuffed packet (13818-1 2.4.3.5: stuffing only where the PES has no data left)', () => {
    it('gives each access unit out with its own last packet, not when the next PES starts (FFmpeg writes video PES unbounded)', () => {
      const demuxer = new MpegTsDemuxer();
      const released: Array<{ au: MpegTsAccessUnit; by: Buffer }> = [];
      for (const packet of tsPackets(readMpegTsFixture('h264-aac'))) for (const au of demuxer.push(packet)) released.push({ au, by: packet });
      const video = released.filter((r) => r.au.codec === 'h264');
      // The packet that released an access unit ends with its last bytes (a one-packet PES: with all of them): it was the PES's own last packet.
      const payloadOf = (packet: Buffer) => packet.subarray(((packet[3] as number) & 0x20) !== 0 ? 5 + (packet[4] as number) : 4);
      const endsTogether = (a: Buffer, b: Buffer) =>
        a.length >= b.length ? a.subarray(a.length - b.length).equals(b) : b.subarray(b.length - a.length).equals(a);
      const byOwnPacket = video.filter((r) => endsTogether(r.au.data, payloadOf(r.by)));
      expect(video.length).toBeGreaterThanOrEqual(MPEGTS_FIXTURES['h264-aac'].videoFrames - 1);
      expect(byOwnPacket).toHaveLength(video.length);
    });

    it('does not end a PES at a packet whose adaptation field holds only a PCR', () => {
      const tables = new FlvToMpegTsMuxer();
      const flv = new MpegTsToFlv().pushAll(demuxAll(readMpegTsFixture('h264-aac')));
      const psi = tsPackets(
        Buffer.concat(
          flv
            .filter((t) => t.kind === 'video')
            .slice(0, 2)
            .flatMap((t) => tables.push(t)),
        ),
      ).slice(0, 2);
      const data = Buffer.concat([Buffer.from([0, 0, 0, 1, 0x65]), Buffer.alloc(395, 0x11)]);
      const pes = Buffer.concat([Buffer.from([0, 0, 1, 0xe0, 0, 0, 0x80, 0x80, 5, 0x21, 0, 0x01, 0, 0x01]), data]);
      const header = (pusi: boolean, cc: number, adaptation: boolean) => Buffer.from([0x47, (pusi ? 0x40 : 0) | 0x01, 0x00, (adaptation ? 0x30 : 0x10) | cc]);
      const first = Buffer.concat([header(true, 0, false), pes.subarray(0, 184)]);
      const pcrOnly = Buffer.concat([header(false, 1, true), Buffer.from([7, 0x10, 0, 0, 0, 0, 0x7e, 0]), pes.subarray(184, 360)]);
      const rest = pes.subarray(360);
      const last = Buffer.concat([header(false, 2, true), Buffer.from([183 - rest.length, 0x00]), Buffer.alloc(182 - rest.length, 0xff), rest]);
      const demuxer = new MpegTsDemuxer();
      expect(demuxer.push(Buffer.concat([...psi, first, pcrOnly])).filter((a) => a.codec === 'h264')).toEqual([]);
      const [au] = demuxer.push(last).filter((a) => a.codec === 'h264');
      expect(au?.data).toEqual(data);
      expect(demuxer.stats.droppedBytes).toBe(0);
    });
  });
});
