import fc from 'fast-check';
import { DEFAULT_TARGET_DURATION_S, IDLE_TARGET_DURATIONS, ViewerActivity } from './viewer-activity';

describe('ViewerActivity', () => {
  const window = DEFAULT_TARGET_DURATION_S * IDLE_TARGET_DURATIONS * 1000; // 6 s until a playlist says otherwise

  it('counts distinct viewers per stream, however often each one fetches', () => {
    const a = new ViewerActivity(100);
    for (let t = 0; t < 2000; t += 100) {
      a.touch('s1', 'alice', t);
      a.touch('s1', 'bob', t + 50);
      a.touch('s2', 'alice', t);
    }
    expect(a.counts(2000)).toEqual(
      new Map([
        ['s1', 2],
        ['s2', 1],
      ]),
    );
  });

  describe('when a viewer stops fetching', () => {
    it('keeps counting it for three target durations, then drops it', () => {
      const a = new ViewerActivity(100);
      a.touch('s1', 'alice', 0);
      a.touch('s1', 'bob', 0);
      a.touch('s1', 'bob', 4000);
      expect(a.counts(window - 1).get('s1')).toBe(2);
      expect(a.counts(window).get('s1')).toBe(1);
      expect(a.counts(4000 + window - 1).get('s1')).toBe(1);
    });

    it('reports the stream once with 0 when its last viewer left, then forgets it', () => {
      const a = new ViewerActivity(100);
      a.touch('s1', 'alice', 0);
      expect(a.counts(window)).toEqual(new Map([['s1', 0]]));
      expect(a.counts(window + 1)).toEqual(new Map());
      expect(a.size).toBe(0);
    });

    it('counts it again when it comes back', () => {
      const a = new ViewerActivity(100);
      a.touch('s1', 'alice', 0);
      a.counts(window);
      a.touch('s1', 'alice', window + 10);
      expect(a.counts(window + 20).get('s1')).toBe(1);
    });
  });

  describe("with the stream's target duration", () => {
    it('waits three target durations of that length', () => {
      const a = new ViewerActivity(100);
      a.touch('s1', 'alice', 0);
      a.setTargetDuration('s1', 4);
      expect(a.counts(11_999).get('s1')).toBe(1);
      expect(a.counts(12_000).get('s1')).toBe(0);
    });

    it('keeps the window between 3 s and 60 s whatever a playlist claims', () => {
      const short = new ViewerActivity(100);
      short.touch('s1', 'alice', 0);
      short.setTargetDuration('s1', 0.1);
      expect(short.counts(2999).get('s1')).toBe(1);
      const long = new ViewerActivity(100);
      long.touch('s1', 'alice', 0);
      long.setTargetDuration('s1', 999_999);
      expect(long.counts(60_000).get('s1')).toBe(0);
    });

    it('ignores nonsense durations', () => {
      const a = new ViewerActivity(100);
      a.touch('s1', 'alice', 0);
      a.setTargetDuration('s1', Number.NaN);
      a.setTargetDuration('s1', -1);
      expect(a.counts(window).get('s1')).toBe(0);
    });
  });

  describe('when more viewers come than it may track', () => {
    it('serves the newcomers uncounted, keeps counting the known ones, and says how many it turned away', () => {
      const a = new ViewerActivity(2);
      a.touch('s1', 'alice', 0);
      a.touch('s2', 'bob', 0);
      a.touch('s1', 'carol', 0);
      a.touch('s1', 'alice', 100);
      expect(a.untracked).toBe(1);
      expect(a.counts(200)).toEqual(
        new Map([
          ['s1', 1],
          ['s2', 1],
        ]),
      );
    });

    it('makes room again as viewers leave', () => {
      const a = new ViewerActivity(1);
      a.touch('s1', 'alice', 0);
      a.counts(window);
      a.touch('s1', 'bob', window + 1);
      expect(a.counts(window + 2).get('s1')).toBe(1);
    });
  });

  describe('per client address group', () => {
    it('counts at most maxPerGroup viewers of a stream from one group, and says how many it turned away', () => {
      const a = new ViewerActivity(100_000, 3);
      for (let i = 0; i < 1000; i++) a.touch('s1', `forged-${i}`, i, 'one-client');
      a.touch('s1', 'neighbour', 0, 'another-client');
      a.touch('s2', 'forged-0', 0, 'one-client');
      expect(a.counts(1000)).toEqual(
        new Map([
          ['s1', 4],
          ['s2', 1],
        ]),
      );
      expect(a.overCap).toBe(997);
    });

    it('keeps counting the viewers already counted, and makes room as they leave', () => {
      const a = new ViewerActivity(100, 1);
      a.touch('s1', 'alice', 0, 'g');
      a.touch('s1', 'bob', 10, 'g');
      a.touch('s1', 'alice', 20, 'g');
      expect(a.counts(30).get('s1')).toBe(1);
      a.counts(20 + window);
      a.touch('s1', 'bob', 30 + window, 'g');
      expect(a.counts(40 + window).get('s1')).toBe(1);
      expect(a.overCap).toBe(1);
    });

    it('works the group out only for viewers it has not seen yet', () => {
      const a = new ViewerActivity(100, 2);
      let asked = 0;
      const group = () => {
        asked++;
        return 'g';
      };
      for (let t = 0; t < 10; t++) a.touch('s1', 'alice', t, group);
      a.touch('s1', 'bob', 10, group);
      expect(asked).toBe(2);
      expect(a.counts(20).get('s1')).toBe(2);
    });
  });

  it('always counts exactly the viewers seen within the window (any order of fetches)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('s1', 's2'), fc.constantFrom('a', 'b', 'c', 'd'), fc.integer({ min: 0, max: 500 })), { maxLength: 60 }),
        fc.integer({ min: 0, max: 20_000 }),
        (fetches, extra) => {
          const a = new ViewerActivity(1000);
          let t = 0;
          const last = new Map<string, number>();
          for (const [stream, viewer, gap] of fetches) {
            t += gap;
            a.touch(stream, viewer, t);
            last.set(`${stream}/${viewer}`, t);
          }
          const now = t + extra;
          const expected = new Map<string, number>();
          for (const [key, seen] of last) {
            const stream = key.split('/')[0] as string;
            expected.set(stream, (expected.get(stream) ?? 0) + (seen > now - window ? 1 : 0));
          }
          const counts = a.counts(now);
          for (const [stream, n] of expected) expect(counts.get(stream) ?? 0).toBe(n);
        },
      ),
    );
  });
});
