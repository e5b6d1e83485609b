import { FrameTracker } from './frame-tracker';

const INTERVAL = 1000 / 30;
const ts = (frame: number): number => Math.round(frame * INTERVAL);

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('FrameTracker', () => {
  it('counts every frame of an unbroken 30 fps sequence (33/34 ms steps) and no drops', () => {
    const c = clock();
    const tracker = new FrameTracker(INTERVAL, c.now);
    tracker.onTag('video-config', 0);
    tracker.startWindow();
    for (let i = 0; i < 300; i++) {
      tracker.onTag(i % 60 === 0 ? 'video-key' : 'video-inter', ts(i));
      c.advance(INTERVAL);
    }
    const w = tracker.endWindow();
    expect(w).toMatchObject({ frames: 300, expected: 300, gapDrops: 0, discontinuities: 0 });
    expect(w.mediaSeconds).toBeCloseTo(10, 1);
    expect(w.maxGapMs).toBe(34);
  });

  describe('when the server skips frames', () => {
    it('counts the holes in the timestamps as dropped frames', () => {
      const tracker = new FrameTracker(INTERVAL, clock().now);
      tracker.onTag('video-config', 0);
      tracker.startWindow();
      const sent = [...Array(120).keys()].filter((i) => i < 40 || i >= 60 || i === 50);
      for (const i of sent) tracker.onTag(i === 0 || i === 60 ? 'video-key' : 'video-inter', ts(i));
      const w = tracker.endWindow();
      // 40..59 missing except 50: 19 frames.
      expect(w.gapDrops).toBe(19);
      expect(w.frames).toBe(101);
    });
  });

  it('ignores audio and script tags', () => {
    const tracker = new FrameTracker(INTERVAL, clock().now);
    tracker.onTag('video-config', 0);
    tracker.onTag('video-key', 0);
    tracker.onTag('audio', 500);
    tracker.onTag('script', 900);
    tracker.onTag('video-inter', ts(1));
    expect(tracker.frames).toBe(2);
    expect(tracker.gapDrops).toBe(0);
  });

  describe('time to first frame', () => {
    it('is the time from opening to the first keyframe that follows the AVC configuration', () => {
      const c = clock();
      const tracker = new FrameTracker(INTERVAL, c.now);
      c.advance(5);
      tracker.onTag('video-inter', 100); // joined mid-GOP without a cache: undecodable
      c.advance(400);
      tracker.onTag('video-config', 133);
      tracker.onTag('video-key', 133);
      expect(tracker.timeToFirstFrameMs).toBe(405);
      expect(tracker.undecodableAtStart).toBe(1);
    });

    it('stays unknown while no keyframe has arrived', () => {
      const tracker = new FrameTracker(INTERVAL, clock().now);
      tracker.onTag('video-key', 0); // no configuration yet
      expect(tracker.timeToFirstFrameMs).toBeUndefined();
    });
  });

  it('counts timestamps that go backwards as discontinuities, not drops', () => {
    const tracker = new FrameTracker(INTERVAL, clock().now);
    tracker.onTag('video-config', 0);
    tracker.startWindow();
    tracker.onTag('video-key', 5000);
    tracker.onTag('video-inter', 0);
    tracker.onTag('video-inter', 33);
    expect(tracker.endWindow()).toMatchObject({ discontinuities: 1, gapDrops: 0, frames: 3 });
  });
});
