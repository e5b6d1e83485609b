import { MediaStreamIds } from './media-stream-id';

describe('MediaStreamIds', () => {
  it("gives one source's tracks one stream, another source another, and never a source's own id", () => {
    const ids = new MediaStreamIds({});
    const alice = { sourceId: 'alice-peer' };
    const bob = { sourceId: 'bob-peer' };
    const aliceAudio = ids.of(alice, 'track-1');
    expect(ids.of(alice, 'track-2')).toBe(aliceAudio);
    const bobVideo = ids.of(bob, 'track-3');
    expect(bobVideo).not.toBe(aliceAudio);
    expect([aliceAudio, bobVideo]).not.toContain('alice-peer');
    expect([aliceAudio, bobVideo]).not.toContain('bob-peer');
    expect(new MediaStreamIds({ lipSync: true }).of(alice, 'track-1')).not.toBe(aliceAudio);
  });

  it('gives every track a stream of its own without lip sync', () => {
    const ids = new MediaStreamIds({ lipSync: false });
    const source = { sourceId: 'publisher' };
    expect(ids.of(source, 'audio-track')).toBe('audio-track');
    expect(ids.of(source, 'video-track')).toBe('video-track');
  });
});
