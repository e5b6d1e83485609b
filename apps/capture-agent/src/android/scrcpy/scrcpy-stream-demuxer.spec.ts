import fc from 'fast-check';
import { SCRCPY_CODEC_H264, SCRCPY_CODEC_RAW_AUDIO } from './scrcpy-protocol';
import { ScrcpyProtocolError, ScrcpyStreamDemuxer, type ScrcpyPacket } from './scrcpy-stream-demuxer';

/** The server's side, written from the protocol description (not from the demuxer). */
function header(name = 'Pixel 7', codec = SCRCPY_CODEC_H264, width = 720, height = 1600): Buffer {
  const device = Buffer.alloc(64);
  device.write(name, 'utf8');
  const meta = Buffer.alloc(12);
  meta.writeUInt32BE(codec, 0);
  meta.writeUInt32BE(width, 4);
  meta.writeUInt32BE(height, 8);
  return Buffer.concat([Buffer.from([0]), device, meta]);
}

function packet(p: { config?: boolean; keyFrame?: boolean; ptsUs?: number; data: Buffer }): Buffer {
  const meta = Buffer.alloc(12);
  let flags = p.config ? 1n << 63n : BigInt(p.ptsUs ?? 0);
  if (!p.config && p.keyFrame) flags |= 1n << 62n;
  meta.writeBigUInt64BE(flags, 0);
  meta.writeUInt32BE(p.data.length, 8);
  return Buffer.concat([meta, p.data]);
}

function demux(chunks: Buffer[], maxPacketBytes = 1 << 20): { packets: ScrcpyPacket[]; demuxer: ScrcpyStreamDemuxer } {
  const packets: ScrcpyPacket[] = [];
  const demuxer = new ScrcpyStreamDemuxer({
    kind: 'video',
    firstSocket: true,
    onPacket: (p) => packets.push({ ...p, data: Buffer.from(p.data) }),
    maxPacketBytes,
  });
  for (const c of chunks) demuxer.push(c);
  return { packets, demuxer };
}

function splitAt(data: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let last = 0;
  for (const p of points) {
    out.push(data.subarray(last, p));
    last = p;
  }
  out.push(data.subarray(last));
  return out;
}

describe('ScrcpyStreamDemuxer', () => {
  const sps = Buffer.from([0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1f, 0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80]);
  const idr = Buffer.from([0, 0, 0, 1, 0x65, 0x88, 0x84, 0x21]);

  it('reads the device name, the codec meta and the packets with their flags and pts', () => {
    const stream = Buffer.concat([
      header('Galaxy S23', SCRCPY_CODEC_H264, 576, 1280),
      packet({ config: true, data: sps }),
      packet({ keyFrame: true, ptsUs: 33_333, data: idr }),
    ]);
    const { packets, demuxer } = demux([stream]);
    expect(demuxer.meta).toEqual({ deviceName: 'Galaxy S23', codec: SCRCPY_CODEC_H264, width: 576, height: 1280 });
    expect(packets).toEqual([
      { config: true, keyFrame: false, ptsUs: undefined, data: sps },
      { config: false, keyFrame: true, ptsUs: 33_333, data: idr },
    ]);
  });

  it('gives the same packets however the bytes are cut into chunks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ keyFrame: fc.boolean(), ptsUs: fc.integer({ min: 0, max: 2 ** 40 }), data: fc.uint8Array({ minLength: 1, maxLength: 300 }) }), {
          maxLength: 20,
        }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (frames, cuts) => {
          const stream = Buffer.concat([header(), packet({ config: true, data: sps }), ...frames.map((f) => packet({ ...f, data: Buffer.from(f.data) }))]);
          const { packets } = demux(splitAt(stream, cuts));
          expect(packets.slice(1).map((p) => ({ keyFrame: p.keyFrame, ptsUs: p.ptsUs, data: [...p.data] }))).toEqual(
            frames.map((f) => ({ keyFrame: f.keyFrame, ptsUs: f.ptsUs, data: [...f.data] })),
          );
        },
      ),
    );
  });

  it('refuses a packet above the size limit before buffering it, and stays failed', () => {
    const big = Buffer.concat([header(), packet({ data: Buffer.alloc(2048) })]);
    const demuxer = new ScrcpyStreamDemuxer({ kind: 'video', firstSocket: true, onPacket: () => undefined, maxPacketBytes: 1024 });
    expect(() => demuxer.push(big.subarray(0, 77 + 12))).toThrow(/video packet of 2048 bytes \(limit 1024\)/);
    expect(() => demuxer.push(Buffer.alloc(1))).toThrow(ScrcpyProtocolError);
  });

  it.each([
    ['a codec that is not H.264', header('x', 0x68323635), /not H\.264/],
    ['a disabled stream', header('x', 0), /disabled the video stream/],
    ['a configuration error', header('x', 1), /could not configure/],
    ['an impossible size', header('x', SCRCPY_CODEC_H264, 0, 720), /out of range/],
    ['a first byte that is not the dummy byte', Buffer.concat([Buffer.from([7]), header().subarray(1)]), /dummy byte/],
    ['an empty packet', Buffer.concat([header(), Buffer.alloc(12)]), /video packet of 0 bytes/],
  ])('refuses %s with a clear error', (_what, bytes, message) => {
    expect(() => demux([bytes])).toThrow(message);
  });

  it('never throws anything but a protocol error on random bytes, and never holds more than a packet', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 20 }), fc.boolean(), (chunks, withHeader) => {
        const packets: ScrcpyPacket[] = [];
        const demuxer = new ScrcpyStreamDemuxer({ kind: 'video', firstSocket: true, onPacket: (p) => packets.push(p), maxPacketBytes: 4096 });
        const all = withHeader ? [header(), ...chunks.map((c) => Buffer.from(c))] : chunks.map((c) => Buffer.from(c));
        for (const c of all) {
          try {
            demuxer.push(c);
          } catch (error) {
            expect(error).toBeInstanceOf(ScrcpyProtocolError);
            return;
          }
        }
        for (const p of packets) expect(p.data.length).toBeLessThanOrEqual(4096);
      }),
    );
  });

  describe('the audio socket', () => {
    const codec = (id: number): Buffer => {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(id, 0);
      return b;
    };
    const audio = (chunks: Buffer[]) => {
      const packets: ScrcpyPacket[] = [];
      const metas: unknown[] = [];
      const demuxer = new ScrcpyStreamDemuxer({ kind: 'audio', firstSocket: false, onPacket: (p) => packets.push(p), onMeta: (m) => metas.push(m) });
      for (const c of chunks) demuxer.push(c);
      return { packets, metas };
    };

    it('reads raw PCM packets after its 4-byte codec meta (no dummy byte, no device name)', () => {
      const pcm = Buffer.alloc(3840, 7);
      const { packets, metas } = audio([codec(SCRCPY_CODEC_RAW_AUDIO), packet({ ptsUs: 20_000, data: pcm })]);
      expect(metas).toEqual([{ deviceName: undefined, codec: SCRCPY_CODEC_RAW_AUDIO }]);
      expect(packets).toEqual([{ config: false, keyFrame: false, ptsUs: 20_000, data: pcm }]);
    });

    it('takes a disabled audio stream (code 0) as no audio, and refuses bytes after it', () => {
      expect(audio([codec(0)]).metas).toEqual([{ deviceName: undefined, codec: 0 }]);
      expect(() => audio([codec(0), Buffer.from([1])])).toThrow(/after the device disabled the audio stream/);
    });

    it('refuses an audio codec it did not ask for, and a configuration error', () => {
      expect(() => audio([codec(0x6f707573)])).toThrow(/audio codec 0x6f707573 is not raw PCM/);
      expect(() => audio([codec(1)])).toThrow(/could not configure the audio stream/);
    });
  });
});
