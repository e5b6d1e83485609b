import fc from 'fast-check';
import { CodecError, MpegTsDemuxError } from './codec-errors';
import { FlvToMpegTsMuxer } from './flv-to-mpegts-muxer';
import { type MpegTsAccessUnit, MpegTsDemuxer } from './mpegts-demuxer';
import { type FlvTagBody, MpegTsToFlv } from './mpegts-to-flv';
import { MPEGTS_FIXTURES, type MpegTsFixtureName, readMpegTsFixture, tsPackets } from './testing/mpegts-fixtures';

const LIMITS = { maxPesBytes: 64 * 1024, maxResyncBytes: 4096 };
const fixtureArb = fc.constantFrom(...(Object.keys(MPEGTS_FIXTURES) as MpegTsFixtureName[]));

/**
 * Feeds `buf` in the given chunk sizes through the demuxer and MpegTsToFlv, checking the
 * invariants after every push: only MpegTsDemuxError escapes, access units are bounded by
 * maxPesBytes, DTS never go backwards per PID, PTS >= DTS, FLV timestamps never go backwards
 * per kind. Returns false when the demuxer gave up with its typed error.
 */
function feed(buf: Buffer, sizes: number[]): boolean {
  const demuxer = new MpegTsDemuxer(LIMITS);
  const converter = new MpegTsToFlv();
  const lastDts = new Map<number, number>();
  const lastTs = { video: 0, audio: 0 };
  const check = (aus: MpegTsAccessUnit[]): void => {
    for (const au of aus) {
      if (au.data.length > LIMITS.maxPesBytes) throw new Error(`AU of ${au.data.length} bytes`);
      if (!Number.isFinite(au.dtsMs) || au.dtsMs < (lastDts.get(au.pid) ?? -Infinity)) throw new Error(`DTS went back on PID ${au.pid}`);
      if (au.ptsMs < au.dtsMs) throw new Error('PTS < DTS');
      lastDts.set(au.pid, au.dtsMs);
      for (const tag of converter.push(au) as FlvTagBody[]) {
        if (tag.timestamp < lastTs[tag.kind]) throw new Error(`${tag.kind} FLV time went back`);
        lastTs[tag.kind] = tag.timestamp;
      }
    }
  };
  try {
    let pos = 0;
    let i = 0;
    while (pos < buf.length) {
      const size = sizes.length > 0 ? (sizes[i++ % sizes.length] as number) : buf.length;
      check(demuxer.push(buf.subarray(pos, pos + size)));
      pos += size;
    }
    check(demuxer.flush());
    return true;
  } catch (e) {
    if (e instanceof MpegTsDemuxError) return false;
    throw e;
  }
}

const sizesArb = fc.array(fc.integer({ min: 1, max: 3000 }), { maxLength: 8 });

describe('MpegTsDemuxer properties', () => {
  it('random bytes: never throws anything but MpegTsDemuxError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 20_000 }), sizesArb, (bytes, sizes) => {
        feed(Buffer.from(bytes), sizes);
      }),
      { numRuns: 200 },
    );
  });

  it('random packets with valid sync bytes and known PIDs: invariants hold', () => {
    const packetArb = fc
      .record({ pid: fc.constantFrom(0, 0x1000, 0x100, 0x101, 0x1fff), body: fc.uint8Array({ minLength: 185, maxLength: 185 }), pusi: fc.boolean() })
      .map(({ pid, body, pusi }) => {
        const p = Buffer.from([0x47, (pusi ? 0x40 : 0) | (pid >> 8), pid & 0xff, ...body]);
        return p;
      });
    fc.assert(
      fc.property(fc.array(packetArb, { maxLength: 200 }), sizesArb, (packets, sizes) => {
        feed(Buffer.concat([readMpegTsFixture('h264-aac').subarray(0, 188 * 4), ...packets]), sizes);
      }),
      { numRuns: 200 },
    );
  });

  it('bit flips in a real stream: invariants hold', () => {
    fc.assert(
      fc.property(fixtureArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 60 }), sizesArb, (name, flips, sizes) => {
        const buf = Buffer.from(readMpegTsFixture(name));
        for (const [at, bit] of flips) buf[at % buf.length] = (buf[at % buf.length] as number) ^ (1 << bit);
        feed(buf, sizes);
      }),
      { numRuns: 150 },
    );
  });

  it('bit flips: a case a CI run found (a DTS moved forward onto a frame without composition offset) keeps PTS ≥ DTS', () => {
    // The shrunk counterexample of seed -705086866: PTS was shifted by `pts += shift` and rounded 1 ulp below DTS.
    const buf = Buffer.from(readMpegTsFixture('h264-aac'));
    for (const [at, bit] of [
      [2010507359, 1],
      [0, 0],
    ] as const)
      buf[at % buf.length] = (buf[at % buf.length] as number) ^ (1 << bit);
    expect(() => feed(buf, [])).not.toThrow();
  });

  it('truncation anywhere: invariants hold and the access units are a prefix of the full ones', () => {
    fc.assert(
      fc.property(fixtureArb, fc.nat(), (name, cut) => {
        const full = readMpegTsFixture(name);
        const d = new MpegTsDemuxer();
        const all = [...d.push(full), ...d.flush()].map((a) => a.data.toString('hex'));
        const t = new MpegTsDemuxer();
        const part = [...t.push(full.subarray(0, cut % full.length)), ...t.flush()].map((a) => a.data.toString('hex'));
        // Only the last AU per PID can come out shorter (an unbounded video PES cut short); every other one is whole.
        const allSet = new Set(all);
        expect(part.filter((h) => !allSet.has(h)).length).toBeLessThanOrEqual(1);
        expect(feed(full.subarray(0, cut % full.length), [])).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('reordered, dropped and duplicated packets: invariants hold and errors are counted', () => {
    fc.assert(
      fc.property(
        fixtureArb,
        fc.array(fc.tuple(fc.nat(), fc.constantFrom('swap', 'drop', 'dup')), { minLength: 1, maxLength: 30 }),
        sizesArb,
        (name, edits, sizes) => {
          const packets = tsPackets(readMpegTsFixture(name));
          for (const [at, op] of edits) {
            const i = at % (packets.length - 1);
            if (op === 'swap') [packets[i], packets[i + 1]] = [packets[i + 1] as Buffer, packets[i] as Buffer];
            else if (op === 'drop') packets.splice(i, 1);
            else packets.splice(i, 0, packets[i] as Buffer);
          }
          expect(feed(Buffer.concat(packets), sizes)).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('round trip: any H.264/AAC FLV sequence muxed to TS comes back as the same tag bodies', () => {
    const d = new MpegTsDemuxer();
    const source = new MpegTsToFlv().pushAll([...d.push(readMpegTsFixture('h264-aac')), ...d.flush()]);
    const headers = source.filter((t) => t.payload[1] === 0).slice(0, 2);
    const frames = source.filter((t) => !headers.includes(t));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 100_000 }), fc.integer({ min: 1, max: frames.length }), (start, count) => {
        // Start on a keyframe (the first frame) so MpegTsToFlv drops nothing.
        const tags = [...headers, ...frames.slice(0, count)].map((t) => ({ ...t, timestamp: start + t.timestamp }));
        const muxer = new FlvToMpegTsMuxer();
        const ts = Buffer.concat(tags.flatMap((t) => muxer.push(t)));
        const demuxer = new MpegTsDemuxer();
        const back = new MpegTsToFlv().pushAll([...demuxer.push(ts), ...demuxer.flush()]);
        // Per kind, relative to the first tag; an audio sequence header only travels with audio frames.
        const rel = (list: FlvTagBody[], kind: string): string[] =>
          list.filter((t) => t.kind === kind).map((t) => `${t.timestamp - (list[0] as FlvTagBody).timestamp} ${t.payload.toString('hex')}`);
        const audioFrames = tags.filter((t) => t.kind === 'audio').length > 1;
        expect(rel(back, 'video')).toEqual(rel(tags, 'video'));
        expect(rel(back, 'audio')).toEqual(audioFrames ? rel(tags, 'audio') : []);
      }),
      { numRuns: 40 },
    );
  });

  it('the muxer never throws on random tag bodies', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ kind: fc.constantFrom('video' as const, 'audio' as const, 'script' as const), timestamp: fc.nat(), payload: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)) }), { maxLength: 50 }),
        (tags) => {
          const muxer = new FlvToMpegTsMuxer();
          for (const t of tags) for (const chunk of muxer.push(t)) expect(chunk.length % 188).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a CodecError is the only error type (MpegTsDemuxError is one)', () => {
    expect(new MpegTsDemuxError('x')).toBeInstanceOf(CodecError);
  });
});
