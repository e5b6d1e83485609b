import { GopCache } from './gop-cache';
import { createHubFrame } from './hub-frame';
import { testFrames } from './testing/hub-test-frames';

describe('GopCache', () => {
  const video = (payload: Buffer, ts: number) => createHubFrame('video', ts, payload);
  const audio = (payload: Buffer, ts: number) => createHubFrame('audio', ts, payload);

  it('keeps the decoder configurations and the frames since the latest keyframe', () => {
    const cache = new GopCache({ maxBytes: 1 << 20 });
    cache.push(video(testFrames.videoConfig(), 0));
    cache.push(audio(testFrames.audioConfig(), 0));
    cache.push(video(testFrames.keyframe(), 0));
    cache.push(video(testFrames.interframe(), 40));
    cache.push(video(testFrames.keyframe(), 80));
    cache.push(audio(testFrames.audio(), 85));
    cache.push(video(testFrames.interframe(), 120));
    const contents = cache.contents();
    expect(contents.videoConfig?.sequenceHeader).toBe(true);
    expect(contents.audioConfig?.kind).toBe('audio');
    expect(contents.gop.map((f) => [f.kind, f.timestamp, f.keyframe])).toEqual([
      ['video', 80, true],
      ['audio', 85, false],
      ['video', 120, false],
    ]);
  });

  it('ignores frames that arrive before the first keyframe', () => {
    const cache = new GopCache({ maxBytes: 1 << 20 });
    cache.push(video(testFrames.videoConfig(), 0));
    cache.push(video(testFrames.interframe(), 0));
    cache.push(audio(testFrames.audio(), 10));
    expect(cache.contents().gop).toHaveLength(0);
  });

  describe('when a GOP grows past maxBytes', () => {
    it('drops the whole GOP but keeps the keyframe for snapshots', () => {
      const cache = new GopCache({ maxBytes: 300 });
      cache.push(video(testFrames.videoConfig(), 0));
      cache.push(video(testFrames.keyframe(100), 0));
      cache.push(video(testFrames.interframe(100), 40));
      expect(cache.contents().gop).toHaveLength(2);
      cache.push(video(testFrames.interframe(100), 80));
      expect(cache.contents().gop).toHaveLength(0);
      expect(cache.bytes).toBe(0);
      expect(cache.latestKeyframe()?.keyframe.timestamp).toBe(0);
      cache.push(video(testFrames.interframe(10), 120));
      expect(cache.contents().gop).toHaveLength(0);
      cache.push(video(testFrames.keyframe(10), 160));
      expect(cache.contents().gop.map((f) => f.timestamp)).toEqual([160]);
    });
  });

  it('starts over when the video decoder configuration changes', () => {
    const cache = new GopCache({ maxBytes: 1 << 20 });
    cache.push(video(testFrames.videoConfig(), 0));
    cache.push(video(testFrames.keyframe(), 0));
    cache.push(video(testFrames.videoConfig(), 40));
    expect(cache.contents().gop).toHaveLength(0);
    expect(cache.contents().videoConfig?.timestamp).toBe(40);
  });
});
