import { RtmpChunkReader } from './rtmp-chunk-reader';
import { RtmpChunkError } from './rtmp-errors';
import type { RtmpMessage } from './rtmp-message';

/** Builds a basic header in the 1-, 2- or 3-byte form depending on csid. */
function basic(fmt: number, csid: number): number[] {
  if (csid < 64) return [(fmt << 6) | csid];
  if (csid < 320) return [fmt << 6, csid - 64];
  return [(fmt << 6) | 1, (csid - 64) & 0xff, (csid - 64) >> 8];
}
const u24 = (v: number): number[] => [(v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
const u32be = (v: number): number[] => [(v >>> 24) & 0xff, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
const u32le = (v: number): number[] => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];

function fmt0(csid: number, ts: number, length: number, typeId: number, streamId: number, ext?: number): number[] {
  return [...basic(0, csid), ...u24(ts), ...u24(length), typeId, ...u32le(streamId), ...(ext === undefined ? [] : u32be(ext))];
}
function fmt1(csid: number, delta: number, length: number, typeId: number, ext?: number): number[] {
  return [...basic(1, csid), ...u24(delta), ...u24(length), typeId, ...(ext === undefined ? [] : u32be(ext))];
}
function fmt2(csid: number, delta: number, ext?: number): number[] {
  return [...basic(2, csid), ...u24(delta), ...(ext === undefined ? [] : u32be(ext))];
}
function fmt3(csid: number, ext?: number): number[] {
  return [...basic(3, csid), ...(ext === undefined ? [] : u32be(ext))];
}
const bytes = (n: number, fill = 0xab): number[] => new Array<number>(n).fill(fill);

function readAll(reader: RtmpChunkReader, input: number[] | Buffer): RtmpMessage[] {
  reader.push(Buffer.isBuffer(input) ? input : Buffer.from(input));
  const out: RtmpMessage[] = [];
  for (let m = reader.read(); m; m = reader.read()) out.push(m);
  return out;
}

const summary = (m: RtmpMessage) => ({ typeId: m.typeId, streamId: m.streamId, timestamp: m.timestamp, length: m.payload.length });

describe('RtmpChunkReader', () => {
  it('reads a single-chunk message with a type 0 header', () => {
    const reader = new RtmpChunkReader();
    const [m] = readAll(reader, [...fmt0(3, 1000, 4, 20, 1), 1, 2, 3, 4]);
    expect(m).toEqual({ typeId: 20, streamId: 1, timestamp: 1000, payload: Buffer.from([1, 2, 3, 4]) });
  });

  it('reassembles a message split over type 3 continuation chunks at the default 128-byte chunk size', () => {
    const payload = Array.from({ length: 300 }, (_, i) => i & 0xff);
    const input = [...fmt0(4, 10, 300, 9, 1), ...payload.slice(0, 128), ...fmt3(4), ...payload.slice(128, 256), ...fmt3(4), ...payload.slice(256)];
    const [m] = readAll(new RtmpChunkReader(), input);
    expect(m?.payload.equals(Buffer.from(payload))).toBe(true);
  });

  it('applies type 1 and type 2 deltas and repeats the last delta for a type 3 message start', () => {
    // prettier-ignore
    const input = [
      ...fmt0(4, 1000, 2, 8, 1), 1, 1,
      ...fmt1(4, 20, 3, 8), 2, 2, 2,
      ...fmt2(4, 30), 3, 3, 3,
      ...fmt3(4), 4, 4, 4, // new message: delta 30 again
    ];
    expect(readAll(new RtmpChunkReader(), input).map(summary)).toEqual([
      { typeId: 8, streamId: 1, timestamp: 1000, length: 2 },
      { typeId: 8, streamId: 1, timestamp: 1020, length: 3 },
      { typeId: 8, streamId: 1, timestamp: 1050, length: 3 },
      { typeId: 8, streamId: 1, timestamp: 1080, length: 3 },
    ]);
  });

  it('treats a type 0 timestamp as the delta for a following type 3 message, as FFmpeg and librtmp do', () => {
    const input = [...fmt0(4, 40, 1, 8, 1), 0, ...fmt3(4), 0];
    expect(readAll(new RtmpChunkReader(), input).map((m) => m.timestamp)).toEqual([40, 80]);
  });

  it('reads extended timestamps on type 0 headers and on type 3 continuation chunks', () => {
    const ts = 0x01234567;
    const payload = bytes(200, 7);
    const input = [...fmt0(6, 0xffffff, 200, 9, 1, ts), ...payload.slice(0, 128), ...fmt3(6, ts), ...payload.slice(128)];
    const [m] = readAll(new RtmpChunkReader(), input);
    expect(m?.timestamp).toBe(ts);
    expect(m?.payload.equals(Buffer.from(payload))).toBe(true);
  });

  it('tolerates encoders that omit the extended timestamp on continuation chunks', () => {
    const ts = 0x01234567;
    const payload = bytes(200, 7);
    const input = [...fmt0(6, 0xffffff, 200, 9, 1, ts), ...payload.slice(0, 128), ...fmt3(6), ...payload.slice(128)];
    const [m] = readAll(new RtmpChunkReader(), input);
    expect(m?.payload.equals(Buffer.from(payload))).toBe(true);
  });

  it('reads extended deltas on type 1/2 headers and on type 3 message starts', () => {
    // prettier-ignore
    const input = [
      ...fmt0(4, 0, 1, 8, 1), 0,
      ...fmt2(4, 0xffffff, 0x01000000), 0,
      ...fmt3(4, 0x01000000), 0,
    ];
    expect(readAll(new RtmpChunkReader(), input).map((m) => m.timestamp)).toEqual([0, 0x01000000, 0x02000000]);
  });

  it('wraps timestamps modulo 2^32', () => {
    const input = [...fmt0(4, 0xffffff, 1, 8, 1, 0xfffffff0), 0, ...fmt2(4, 0x20), 0];
    expect(readAll(new RtmpChunkReader(), input).map((m) => m.timestamp)).toEqual([0xfffffff0, 0x10]);
  });

  it.each([
    ['1-byte', 63],
    ['2-byte', 64],
    ['2-byte', 319],
    ['3-byte', 320],
    ['3-byte', 65599],
  ])('decodes %s chunk stream ids (%i)', (_form, csid) => {
    const payload = bytes(130);
    const input = [...fmt0(csid, 5, 130, 9, 1), ...payload.slice(0, 128), ...fmt3(csid), ...payload.slice(128)];
    expect(readAll(new RtmpChunkReader(), input)).toHaveLength(1);
  });

  it('keeps interleaved messages on different chunk streams apart', () => {
    const video = bytes(200, 0x11);
    const audio = bytes(10, 0x22);
    // prettier-ignore
    const input = [
      ...fmt0(6, 100, 200, 9, 1), ...video.slice(0, 128),
      ...fmt0(4, 90, 10, 8, 1), ...audio,
      ...fmt3(6), ...video.slice(128),
    ];
    const messages = readAll(new RtmpChunkReader(), input);
    expect(messages.map(summary)).toEqual([
      { typeId: 8, streamId: 1, timestamp: 90, length: 10 },
      { typeId: 9, streamId: 1, timestamp: 100, length: 200 },
    ]);
    expect(messages[1]?.payload.equals(Buffer.from(video))).toBe(true);
  });

  it('returns zero-length messages immediately', () => {
    const [m] = readAll(new RtmpChunkReader(), fmt0(3, 0, 0, 20, 0));
    expect(m?.payload).toHaveLength(0);
  });

  it('waits for more bytes instead of failing on a partial header or payload', () => {
    const reader = new RtmpChunkReader();
    const input = [...fmt0(3, 0xffffff, 4, 20, 0, 77), 1, 2, 3, 4];
    for (let i = 0; i < input.length - 1; i++) expect(readAll(reader, [input[i] as number])).toEqual([]);
    expect(readAll(reader, [input[input.length - 1] as number])).toHaveLength(1);
  });

  describe('Set Chunk Size', () => {
    const setChunkSize = (size: number) => [...fmt0(2, 0, 4, 1, 0), ...u32be(size)];

    it('applies the new size to the very next chunk', () => {
      const reader = new RtmpChunkReader();
      const payload = bytes(4000);
      const messages = readAll(reader, [...setChunkSize(4096), ...fmt0(6, 0, 4000, 9, 1), ...payload]);
      expect(reader.chunkSize).toBe(4096);
      expect(messages.map((m) => m.typeId)).toEqual([1, 9]);
    });

    it.each([
      ['zero', 0],
      ['top bit set', 0x80000000],
      ['above the maximum', (1 << 24) + 1],
    ])('rejects %s', (_name, size) => {
      expect(() => readAll(new RtmpChunkReader(), setChunkSize(size))).toThrow(RtmpChunkError);
    });

    it('rejects a payload shorter than 4 bytes', () => {
      expect(() => readAll(new RtmpChunkReader(), [...fmt0(2, 0, 2, 1, 0), 0, 1])).toThrow(/shorter/);
    });

    it('honours a lower configured maximum', () => {
      const reader = new RtmpChunkReader({ maxChunkSize: 65536 });
      expect(() => readAll(reader, setChunkSize(65537))).toThrow(expect.objectContaining({ code: 'chunk-size-invalid' }));
    });
  });

  it('drops the partial message named by an Abort message', () => {
    // prettier-ignore
    const input = [
      ...fmt0(6, 0, 200, 9, 1), ...bytes(128),
      ...fmt0(2, 0, 4, 2, 0), ...u32be(6), // Abort csid 6
      ...fmt3(6), 1, 2, // a new 200-byte message begins: only 2 bytes so far
    ];
    const reader = new RtmpChunkReader();
    expect(readAll(reader, input).map((m) => m.typeId)).toEqual([2]);
    expect(reader.bufferedBytes).toBe(2);
  });

  describe('limits', () => {
    it('rejects a declared message length above the limit before reading (or allocating) its payload', () => {
      const reader = new RtmpChunkReader({ maxMessageSize: 1000 });
      expect(() => readAll(reader, fmt0(4, 0, 1001, 9, 1))).toThrow(expect.objectContaining({ code: 'message-too-large' }));
    });

    it('uses 8 MiB as the default message size limit', () => {
      expect(readAll(new RtmpChunkReader(), fmt0(4, 0, 8 * 1024 * 1024, 9, 1))).toEqual([]);
      expect(() => readAll(new RtmpChunkReader(), fmt0(4, 0, 8 * 1024 * 1024 + 1, 9, 1))).toThrow(RtmpChunkError);
    });

    it('rejects more chunk stream ids than allowed', () => {
      const reader = new RtmpChunkReader({ maxChunkStreams: 3 });
      expect(readAll(reader, [...fmt0(3, 0, 0, 20, 0), ...fmt0(4, 0, 0, 20, 0), ...fmt0(5, 0, 0, 20, 0)])).toHaveLength(3);
      expect(() => readAll(reader, fmt0(6, 0, 0, 20, 0))).toThrow(expect.objectContaining({ code: 'too-many-chunk-streams' }));
    });

    it('caps bytes held in unfinished messages across chunk streams', () => {
      const reader = new RtmpChunkReader({ maxPendingBytes: 300 });
      const input = [...fmt0(4, 0, 1000, 9, 1), ...bytes(128), ...fmt0(5, 0, 1000, 9, 1), ...bytes(128), ...fmt0(6, 0, 1000, 9, 1), ...bytes(128)];
      expect(() => readAll(reader, input)).toThrow(expect.objectContaining({ code: 'pending-bytes-exceeded' }));
    });

    it('allocates payload memory as bytes arrive, not as headers claim', () => {
      const reader = new RtmpChunkReader();
      readAll(reader, [...fmt0(4, 0, 8 * 1024 * 1024, 9, 1), ...bytes(10)]);
      expect(reader.bufferedBytes).toBe(10);
    });

    it('rejects invalid limit values', () => {
      expect(() => new RtmpChunkReader({ maxMessageSize: 0 })).toThrow(RangeError);
      expect(() => new RtmpChunkReader({ maxChunkSize: 1 << 25 })).toThrow(RangeError);
    });
  });

  describe('malformed streams', () => {
    it.each([2, 3])('rejects a new chunk stream starting with a type %i header', (fmt) => {
      const input = fmt === 2 ? fmt2(5, 10) : fmt3(5);
      expect(() => readAll(new RtmpChunkReader(), [...input, 0])).toThrow(expect.objectContaining({ code: 'chunk-invalid' }));
    });

    it('tolerates a new chunk stream starting with a type 1 header (stream id 0)', () => {
      const [m] = readAll(new RtmpChunkReader(), [...fmt1(5, 10, 1, 8), 0]);
      expect(m).toMatchObject({ streamId: 0, timestamp: 10, typeId: 8 });
    });

    it('discards a partial message when a full header restarts its chunk stream', () => {
      const input = [...fmt0(6, 0, 200, 9, 1), ...bytes(128), ...fmt0(6, 40, 2, 9, 1), 5, 6];
      const reader = new RtmpChunkReader();
      expect(readAll(reader, input).map(summary)).toEqual([{ typeId: 9, streamId: 1, timestamp: 40, length: 2 }]);
      expect(reader.bufferedBytes).toBe(0);
    });

    it('stays failed after an error', () => {
      const reader = new RtmpChunkReader();
      expect(() => readAll(reader, [...fmt3(9), 0])).toThrow(RtmpChunkError);
      expect(() => reader.read()).toThrow(RtmpChunkError);
    });
  });
});
