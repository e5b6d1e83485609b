import fc from 'fast-check';
import { ByteQueue } from './byte-queue';

describe('ByteQueue', () => {
  describe('when pushes, reads and skips are interleaved across chunk boundaries', () => {
    it('behaves like one concatenated buffer', () => {
      const op = fc.oneof(
        fc.oneof(fc.uint8Array({ maxLength: 10 }), fc.uint8Array({ minLength: 1020, maxLength: 1030 })).map((bytes) => ({ kind: 'push' as const, bytes })),
        fc.oneof(fc.nat(12), fc.nat(2000)).map((n) => ({ kind: 'read' as const, n })),
        fc.oneof(fc.nat(12), fc.nat(2000)).map((n) => ({ kind: 'skip' as const, n })),
      );
      fc.assert(
        fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
          const q = new ByteQueue();
          let model = Buffer.alloc(0);
          const handedOut: [Buffer, string][] = [];
          for (const o of ops) {
            if (o.kind === 'push') {
              q.push(Buffer.from(o.bytes));
              model = Buffer.concat([model, Buffer.from(o.bytes)]);
            } else {
              const count = Math.min(o.n, q.length);
              expect(q.peekU8(0)).toBe(model[0]);
              if (o.kind === 'read') {
                const out = q.read(count);
                expect(out).toEqual(model.subarray(0, count));
                handedOut.push([out, out.toString('hex')]);
              } else {
                expect(q.skip(o.n)).toBe(count);
              }
              model = model.subarray(count);
            }
            expect(q.length).toBe(model.length);
          }
          for (const [out, hex] of handedOut) expect(out.toString('hex')).toBe(hex);
        }),
        { numRuns: 150 },
      );
    });
  });

  describe('when many tiny chunks arrive', () => {
    it('stores them in a few shared blocks', () => {
      const q = new ByteQueue();
      for (let i = 0; i < 100_000; i++) q.push(Buffer.from([i & 0xff]));
      expect(q.length).toBe(100_000);
      expect(q.chunkCount).toBeLessThanOrEqual(Math.ceil(100_000 / (16 * 1024)));
      q.skip(99_998);
      expect(q.read(2)).toEqual(Buffer.from([99_998 & 0xff, 99_999 & 0xff]));
    });

    it('does not change bytes already handed out when appending more', () => {
      const q = new ByteQueue();
      q.push(Buffer.from('ab'));
      const view = q.read(2);
      q.push(Buffer.from('cd'));
      expect(view.toString()).toBe('ab');
      expect(q.read(2).toString()).toBe('cd');
    });
  });

  describe('when a read lies inside one large chunk', () => {
    it('returns a view without copying', () => {
      const chunk = Buffer.alloc(4096, 1);
      const q = new ByteQueue();
      q.push(chunk);
      q.skip(1);
      expect(q.read(3).buffer).toBe(chunk.buffer);
    });
  });

  describe('when asked for more than is buffered', () => {
    it('throws (a caller bug, guarded by checking length first)', () => {
      expect(() => new ByteQueue().read(1)).toThrow(/only 0 byte/);
    });
  });

  describe('when peeking outside the buffered range', () => {
    it('returns undefined', () => {
      const q = new ByteQueue();
      q.push(Buffer.from([1, 2]));
      expect([q.peekU8(-1), q.peekU8(1), q.peekU8(2)]).toEqual([undefined, 2, undefined]);
    });
  });
});
