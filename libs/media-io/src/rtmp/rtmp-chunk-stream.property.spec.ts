import fc from 'fast-check';
import { RtmpChunkReader } from './rtmp-chunk-reader';
import { RtmpChunkWriter } from './rtmp-chunk-writer';
import { createSetChunkSizeMessage } from './rtmp-control-messages';
import { RtmpChunkError } from './rtmp-errors';
import type { RtmpMessage } from './rtmp-message';

/** A message plus the chunk stream it is sent on. */
interface Sent {
  message: RtmpMessage;
  csid: number;
}

const csidArb = fc.oneof(fc.integer({ min: 3, max: 8 }), fc.constantFrom(63, 64, 319, 320, 65599));

const sentArb: fc.Arbitrary<Sent> = fc.record({
  csid: csidArb,
  message: fc.record({
    typeId: fc.constantFrom(8, 9, 18, 20),
    streamId: fc.constantFrom(0, 1, 2),
    // Mostly small steps (exercising delta headers) plus values that need the extended field.
    timestamp: fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0xfffff0, max: 0x1000100 }), fc.constant(0xffffffff)),
    payload: fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ minLength: 100, maxLength: 1200 })).map((a) => Buffer.from(a)),
  }),
});

const chunkSizeArb = fc.oneof(fc.integer({ min: 1, max: 300 }), fc.constantFrom(128, 4096, 65536));

/** Writer output for a session: an optional Set Chunk Size, then messages whose chunks are interleaved across chunk streams. */
function encodeSession(chunkSize: number, sent: Sent[], interleaveSeed: number[]): { bytes: Buffer; expected: RtmpMessage[] } {
  const writer = new RtmpChunkWriter();
  const parts: Buffer[] = [];
  const expected: RtmpMessage[] = [];
  if (chunkSize !== 128) {
    const set = createSetChunkSizeMessage(chunkSize);
    parts.push(writer.encode(set, 2));
    writer.setChunkSize(chunkSize);
    expected.push(set);
  }
  // Per chunk stream FIFO of encoded chunks; messages on one csid must stay in order, different csids may interleave.
  const queues = new Map<number, Buffer[][]>();
  for (const { message, csid } of sent) {
    const list = queues.get(csid) ?? [];
    list.push(writer.encodeChunks(message, csid));
    queues.set(csid, list);
  }
  const cursors = [...queues.entries()].map(([csid, messages]) => ({ csid, messages, m: 0, c: 0 }));
  let i = 0;
  while (cursors.some((q) => q.m < q.messages.length)) {
    const live = cursors.filter((q) => q.m < q.messages.length);
    const q = live[(interleaveSeed[i++ % Math.max(1, interleaveSeed.length)] ?? 0) % live.length];
    if (q === undefined) break;
    const chunks = q.messages[q.m] as Buffer[];
    parts.push(chunks[q.c] as Buffer);
    q.c++;
    if (q.c === chunks.length) {
      const done = sent.filter((s) => s.csid === q.csid)[q.m];
      if (done) expected.push(done.message);
      q.m++;
      q.c = 0;
    }
  }
  return { bytes: Buffer.concat(parts), expected };
}

function splitAt(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let start = 0;
  for (const p of points) {
    pieces.push(bytes.subarray(start, p));
    start = p;
  }
  pieces.push(bytes.subarray(start));
  return pieces;
}

function readPieces(pieces: Buffer[]): RtmpMessage[] {
  const reader = new RtmpChunkReader({ maxMessageSize: 1 << 20 });
  const out: RtmpMessage[] = [];
  for (const piece of pieces) {
    reader.push(piece);
    for (let m = reader.read(); m; m = reader.read()) out.push(m);
  }
  return out;
}

const normalise = (messages: RtmpMessage[]) => messages.map((m) => ({ ...m, payload: m.payload.toString('hex') }));

describe('RTMP chunk stream (property-based)', () => {
  it('decodes writer output to the same messages however the bytes are split into reads', () => {
    fc.assert(
      fc.property(
        chunkSizeArb,
        fc.array(sentArb, { maxLength: 25 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (chunkSize, sent, interleave, cuts) => {
          const { bytes, expected } = encodeSession(chunkSize, sent, interleave);
          // Per chunk stream the order is fixed; across chunk streams completion order depends on interleaving.
          expect(normalise(readPieces(splitAt(bytes, cuts)))).toEqual(normalise(expected));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('returns a prefix of the messages for truncated input, without throwing', () => {
    fc.assert(
      fc.property(chunkSizeArb, fc.array(sentArb, { maxLength: 15 }), fc.nat(), fc.array(fc.nat(), { maxLength: 10 }), (chunkSize, sent, cut, cuts) => {
        const { bytes, expected } = encodeSession(chunkSize, sent, [0]);
        const truncated = bytes.subarray(0, cut % (bytes.length + 1));
        const got = normalise(readPieces(splitAt(truncated, cuts)));
        expect(got).toEqual(normalise(expected).slice(0, got.length));
      }),
      { numRuns: 300 },
    );
  });

  it('throws nothing but RtmpChunkError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4000 }), fc.array(fc.nat(), { maxLength: 20 }), (data, cuts) => {
        const reader = new RtmpChunkReader({ maxMessageSize: 1 << 16, maxPendingBytes: 1 << 17 });
        try {
          for (const piece of splitAt(Buffer.from(data), cuts)) {
            reader.push(piece);
            while (reader.read() !== undefined);
          }
        } catch (error) {
          expect(error).toBeInstanceOf(RtmpChunkError);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('throws nothing but RtmpChunkError on corrupted writer output', () => {
    fc.assert(
      fc.property(
        fc.array(sentArb, { minLength: 1, maxLength: 10 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (sent, flips, cuts) => {
          const { bytes } = encodeSession(128, sent, [0]);
          for (const [at, value] of flips) if (bytes.length > 0) bytes[at % bytes.length] = value;
          const reader = new RtmpChunkReader({ maxMessageSize: 1 << 16, maxChunkStreams: 8 });
          try {
            for (const piece of splitAt(bytes, cuts)) {
              reader.push(piece);
              while (reader.read() !== undefined);
            }
          } catch (error) {
            expect(error).toBeInstanceOf(RtmpChunkError);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
