import { FLV_TAG_AUDIO, FLV_TAG_VIDEO } from '@mediaplane/codecs';
import { LiveTagTimeline } from './live-tag-timeline';

const AVC_CONFIG = Buffer.from([0x17, 0x00, 0, 0, 0, 0x01]);
/** An AVC frame tag body with composition offset `cts` ms. */
const avcFrame = (cts: number, key = false) => {
  const data = Buffer.from([key ? 0x17 : 0x27, 0x01, 0, 0, 0, 0, 0, 0, 1, key ? 0x65 : 0x41]);
  data.writeIntBE(cts, 2, 3);
  return data;
};
const AAC = Buffer.from([0xaf, 0x01, 0x21]);
const video = (timestamp: number, data: Buffer) => ({ type: FLV_TAG_VIDEO, timestamp, data });
const audio = (timestamp: number) => ({ type: FLV_TAG_AUDIO, timestamp, data: AAC });

describe('LiveTagTimeline', () => {
  it('without B-frames, shifts video by the AAC priming, as one muxer of both does', () => {
    const timeline = new LiveTagTimeline(21);
    expect(timeline.video(video(0, AVC_CONFIG)).map((t) => t.timestamp)).toEqual([0]);
    const first = timeline.video(video(0, avcFrame(0, true)));
    expect(first.map((t) => [t.timestamp, t.mediaMs])).toEqual([[21, 0]]);
    expect(timeline.video(video(40, avcFrame(0))).map((t) => [t.timestamp, t.mediaMs])).toEqual([[61, 40]]);
    // The audio FLV's 0 is the priming, 21 ms before the first sample: the tone drawn with frame 1 (40 ms) is at 61.
    expect(timeline.audio(audio(61)).map((t) => t.timestamp)).toEqual([61]);
  });

  it('with B-frames, takes out the video FLV shift and moves audio to the same origin', () => {
    const timeline = new LiveTagTimeline(21);
    // x264 with 2 B-frames: the first frame decodes 80 ms before it is shown; the FLV moved that to 0.
    const first = timeline.video(video(0, avcFrame(80, true)));
    expect(first.map((t) => [t.timestamp, t.mediaMs])).toEqual([[0, 0]]);
    const reordered = timeline.video(video(40, avcFrame(120)));
    expect(reordered.map((t) => [t.timestamp, t.mediaMs])).toEqual([[40, 80]]);
    // The tone of media time 0 (audio FLV 21) gets 80, where the first frame is shown (decode 0 + composition 80).
    expect(timeline.audio(audio(21)).map((t) => t.timestamp)).toEqual([80]);
  });

  it('holds audio that comes before the first video frame until the offsets are known, then sends it after that frame', () => {
    const timeline = new LiveTagTimeline(21);
    expect(timeline.audio(audio(0))).toEqual([]);
    expect(timeline.audio(audio(21))).toEqual([]);
    expect(timeline.video(video(0, AVC_CONFIG)).map((t) => t.type)).toEqual([FLV_TAG_VIDEO]);
    const out = timeline.video(video(0, avcFrame(0, true)));
    expect(out.map((t) => [t.type, t.timestamp])).toEqual([
      [FLV_TAG_VIDEO, 21],
      [FLV_TAG_AUDIO, 0],
      [FLV_TAG_AUDIO, 21],
    ]);
  });
});
