import { parseRtmpEnhancedCapabilities } from '@mediaplane/media-io';
import { enhancedPlayRefusal } from './enhanced-play-check';

const legacy = parseRtmpEnhancedCapabilities({ app: 'live', flashVer: 'LNX 9,0,124,2' });

describe('enhancedPlayRefusal', () => {
  it('lets every player have a stream of legacy FLV tags (H.264/AAC, HEVC as codec id 12)', () => {
    expect(enhancedPlayRefusal({ mediaSeen: true }, legacy)).toBeUndefined();
  });

  it('refuses a legacy player an E-RTMP HEVC stream, saying which codec and what to announce', () => {
    expect(enhancedPlayRefusal({ mediaSeen: true, videoFourCc: 'hvc1' }, legacy)).toBe(
      "stream video is HEVC (E-RTMP 'hvc1'); this player's connect did not announce it in fourCcList or videoFourCcInfoMap",
    );
  });

  it('refuses a player that announced the video codec but not the audio one', () => {
    const caps = parseRtmpEnhancedCapabilities({ fourCcList: ['hvc1'] });
    expect(enhancedPlayRefusal({ mediaSeen: true, videoFourCc: 'hvc1', audioFourCc: 'Opus' }, caps)).toMatch(
      /^stream audio is Opus \(E-RTMP 'Opus'\).*audioFourCcInfoMap$/,
    );
  });

  it('lets a player have the stream when it announced every FourCC, by list or info map', () => {
    const tracks = { mediaSeen: true, videoFourCc: 'hvc1', audioFourCc: 'Opus' };
    expect(enhancedPlayRefusal(tracks, parseRtmpEnhancedCapabilities({ fourCcList: ['hvc1', 'Opus'] }))).toBeUndefined();
    expect(enhancedPlayRefusal(tracks, parseRtmpEnhancedCapabilities({ videoFourCcInfoMap: { hvc1: 1 }, audioFourCcInfoMap: { '*': 4 } }))).toBeUndefined();
  });
});
