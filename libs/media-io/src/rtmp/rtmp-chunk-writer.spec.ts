import { RtmpChunkReader } from './rtmp-chunk-reader';
import { RtmpChunkWriter, encodeRtmpMessageChunks, rtmpMessageChunksLength, writeRtmpMessageChunks } from './rtmp-chunk-writer';
import type { RtmpMessage } from './rtmp-message';

const msg = (timestamp: number, length: number, typeId = 9, streamId = 1): RtmpMessage => ({
  typeId,
  streamId,
  timestamp,
  payload: Buffer.alloc(length, 0x5a),
});
const fmtOf = (chunk: Buffer): number => (chunk[0] ?? 0) >> 6;

/** The chunk stream id of the first chunk's basic header (one, two or three bytes). */
function chunkStreamIdOf(chunks: Buffer): number {
  const low = (chunks[0] ?? 0) & 0x3f;
  if (low >= 2) return low;
  return low === 0 ? 64 + (chunks[1] ?? 0) : 64 + (chunks[1] ?? 0) + (chunks[2] ?? 0) * 256;
}

function decode(bytes: Buffer, chunkSize = 128): RtmpMessage[] {
  const reader = new RtmpChunkReader();
  if (chunkSize !== 128) {
    const set = Buffer.from([0x02, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    set.writeUInt32BE(chunkSize, 12);
    reader.push(set);
    reader.read();
  }
  reader.push(bytes);
  const out: RtmpMessage[] = [];
  for (let m = reader.read(); m; m = reader.read()) out.push(m);
  return out;
}

describe('RtmpChunkWriter', () => {
  it('picks the smallest header the peer can reconstruct', () => {
    const writer = new RtmpChunkWriter();
    const fmts = [
      msg(1000, 10), // first on the chunk stream: fmt 0
      msg(1020, 12), // new length: fmt 1
      msg(1050, 12), // same length/type, new delta: fmt 2
      msg(1080, 12), // same delta as before: fmt 3
      msg(1090, 12), // delta changed: fmt 2
      msg(1000, 12), // timestamp went backwards: fmt 0
      msg(1010, 12, 9, 2), // other message stream: fmt 0
    ].map((m) => fmtOf(writer.encode(m, 6)));
    expect(fmts).toEqual([0, 1, 2, 3, 2, 0, 0]);
  });

  it('never uses type 3 right after type 0, since peers disagree on its delta', () => {
    const writer = new RtmpChunkWriter();
    writer.encode(msg(40, 10), 6);
    expect(fmtOf(writer.encode(msg(80, 10), 6))).toBe(2);
  });

  it('produces bytes our reader decodes to the same messages', () => {
    const writer = new RtmpChunkWriter(100);
    const messages = [msg(0, 0), msg(33, 250), msg(66, 250), msg(99, 250), msg(0x1000000, 300), msg(0x1000100, 300)];
    const bytes = Buffer.concat(messages.map((m) => writer.encode(m, 6)));
    expect(decode(bytes, 100)).toEqual(messages);
  });

  it('splits payloads at the chunk size and returns each chunk separately from encodeChunks', () => {
    const writer = new RtmpChunkWriter(128);
    const chunks = writer.encodeChunks(msg(0, 300), 6);
    expect(chunks.map((c) => c.length)).toEqual([12 + 128, 1 + 128, 1 + 44]);
    expect(chunks.map(fmtOf)).toEqual([0, 3, 3]);
  });

  it('repeats the extended timestamp on every continuation chunk', () => {
    const chunks = new RtmpChunkWriter(128).encodeChunks(msg(0x01020304, 200), 6);
    expect(chunks[0]?.readUIntBE(1, 3)).toBe(0xffffff);
    expect(chunks[0]?.readUInt32BE(12)).toBe(0x01020304);
    expect(chunks[1]?.readUInt32BE(1)).toBe(0x01020304);
  });

  it.each([2, 63, 64, 319, 320, 65599])('writes chunk stream id %i in the right basic header form', (csid) => {
    const bytes = new RtmpChunkWriter().encode(msg(1, 200), csid);
    expect(chunkStreamIdOf(bytes)).toBe(csid);
    expect(decode(bytes)).toHaveLength(1);
  });

  it('writes every message on a shared chunk stream self-contained (fmt 0), and compresses the others as before', () => {
    const writer = new RtmpChunkWriter();
    writer.encode(msg(0, 10), 6);
    writer.encode(msg(0, 10), 4);
    writer.shareChunkStreams([6]);
    expect([10, 20, 30].map((t) => fmtOf(writer.encode(msg(t, 10), 6)))).toEqual([0, 0, 0]);
    expect(fmtOf(writer.encode(msg(10, 10), 4))).toBe(2);
  });

  it('rejects arguments that cannot be encoded', () => {
    const writer = new RtmpChunkWriter();
    expect(() => writer.encode(msg(0, 1), 1)).toThrow(RangeError);
    expect(() => writer.encode(msg(0, 1), 65600)).toThrow(RangeError);
    expect(() => writer.encode({ ...msg(0, 1), typeId: 256 }, 3)).toThrow(RangeError);
    expect(() => writer.encode(msg(-1, 1), 3)).toThrow(RangeError);
    expect(() => writer.setChunkSize(0)).toThrow(RangeError);
  });
});

describe('encodeRtmpMessageChunks', () => {
  it('can be laid out back to back in one buffer (writeRtmpMessageChunks), byte for byte the same', () => {
    // One chunk, several, an exact multiple of the chunk size, an extended timestamp, a two-byte chunk stream id.
    const cases = [
      { message: msg(40, 300), csid: 6 },
      { message: msg(80, 9000), csid: 4 },
      { message: msg(120, 8192), csid: 6 },
      { message: msg(0x1000000, 5000), csid: 4 },
      { message: msg(160, 10, 8), csid: 70 },
    ];
    const out = Buffer.alloc(
      cases.reduce((sum, c) => sum + rtmpMessageChunksLength(c.message, 4096, c.csid), 0),
      0xff,
    );
    let offset = 0;
    for (const c of cases) offset = writeRtmpMessageChunks(out, offset, c.message, 4096, c.csid);
    expect(offset).toBe(out.length);
    expect(out).toEqual(Buffer.concat(cases.map((c) => encodeRtmpMessageChunks(c.message, 4096, c.csid))));
  });

  it('starts with a type 0 header carrying the absolute timestamp, so the bytes fit any connection state', () => {
    const bytes = encodeRtmpMessageChunks(msg(123456, 300), 128, 6);
    expect(fmtOf(bytes)).toBe(0);
    expect(bytes.readUIntBE(1, 3)).toBe(123456);
    expect(bytes[12 + 128]).toBe(0xc6); // fmt 3 continuation on csid 6
  });

  it('decodes identically after arbitrary earlier traffic on the same chunk stream', () => {
    const writer = new RtmpChunkWriter(4096);
    const before = writer.encode(msg(500, 10), 6);
    const fanout = encodeRtmpMessageChunks(msg(900, 5000), 4096, 6);
    expect(decode(Buffer.concat([before, fanout]), 4096)).toEqual([msg(500, 10), msg(900, 5000)]);
  });
});
