import type { LiveStreamState } from '@mediaplane/sessions';
import { livePullOf, withStartedMedia } from './live-session';

describe('livePullOf', () => {
  const urls = { pullUrl: 'http://ingest:8081/live/s1.flv', pullUrlTs: 'http://ingest:8081/live/s1.ts' };

  it('reads an HEVC source from the MPEG-TS pull (FFmpeg 5.1 cannot read HEVC in FLV)', () => {
    expect(livePullOf({ ...urls, media: { video: { codec: 'hevc', width: 1280, height: 720 } } })).toEqual({ url: urls.pullUrlTs, format: 'mpegts' });
  });

  it('reads Opus audio from the MPEG-TS pull (FFmpeg 5.1 cannot read E-RTMP Opus in FLV)', () => {
    expect(livePullOf({ ...urls, media: { video: { codec: 'h264' }, audio: { codec: 'opus' } } })).toEqual({ url: urls.pullUrlTs, format: 'mpegts' });
    expect(livePullOf({ ...urls, media: { audio: { codec: 'opus' } } })).toEqual({ url: urls.pullUrlTs, format: 'mpegts' });
  });

  it('reads AV1 and VP9 (which the TS muxer cannot carry) from the FLV pull remuxed into Matroska, with or without Opus', () => {
    expect(livePullOf({ ...urls, media: { video: { codec: 'av1' }, audio: { codec: 'opus' } } })).toEqual({ url: urls.pullUrl, format: 'matroska' });
    expect(livePullOf({ ...urls, media: { video: { codec: 'vp9' } } })).toEqual({ url: urls.pullUrl, format: 'matroska' });
    expect(livePullOf({ pullUrlTs: urls.pullUrlTs, media: { video: { codec: 'av1' } } })).toBeUndefined();
  });

  it('reads E-RTMP FLAC, AC-3 and E-AC-3 audio (which neither FFmpeg 5.1 in FLV nor the TS muxer carries) from the FLV pull remuxed into Matroska', () => {
    expect(livePullOf({ ...urls, media: { video: { codec: 'h264' }, audio: { codec: 'flac' } } })).toEqual({ url: urls.pullUrl, format: 'matroska' });
    expect(livePullOf({ ...urls, media: { video: { codec: 'h264' }, audio: { codec: 'ac3' } } })).toEqual({ url: urls.pullUrl, format: 'matroska' });
    expect(livePullOf({ ...urls, media: { video: { codec: 'hevc' }, audio: { codec: 'eac3' } } })).toEqual({ url: urls.pullUrl, format: 'matroska' });
    expect(livePullOf({ ...urls, media: { audio: { codec: 'ac3' } } })).toEqual({ url: urls.pullUrl, format: 'matroska' });
  });

  it('reads H.264 from the FLV pull', () => {
    expect(livePullOf({ ...urls, media: { video: { codec: 'h264' } } })).toEqual({ url: urls.pullUrl, format: 'flv' });
  });

  it('falls back to FLV from an ingest node that offers no TS pull, and to nothing without any pull', () => {
    expect(livePullOf({ pullUrl: urls.pullUrl, media: { video: { codec: 'hevc' } } })).toEqual({ url: urls.pullUrl, format: 'flv' });
    expect(livePullOf({ media: {} })).toBeUndefined();
  });
});

describe('withStartedMedia', () => {
  it("adds the tracks stream.started announced that the live state does not have yet, keeping the state's own", () => {
    const state = { media: { video: { codec: 'h264', width: 640, height: 360, fps: 25 } } } as unknown as LiveStreamState;
    const started = { media: { video: { codec: 'h264' }, audio: { codec: 'opus', sampleRate: 48000, channels: 2 } } };
    expect(withStartedMedia(state, started).media).toEqual({ video: { codec: 'h264', width: 640, height: 360, fps: 25 }, audio: started.media.audio });
    expect(livePullOf({ pullUrl: 'f', pullUrlTs: 't', ...withStartedMedia(state, started) })).toEqual({ url: 't', format: 'mpegts' });
  });
});
