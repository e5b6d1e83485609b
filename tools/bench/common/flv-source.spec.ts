import { Amf0EcmaArray, encodeAmf0, encodeFlvHeader, encodeFlvTag } from '@mediaplane/codecs';
import { parseFlvSource } from './flv-source';

const avcConfig = Buffer.from([0x17, 0x00, 0, 0, 0, 1, 0x64, 0, 0x1f]);
const aacConfig = Buffer.from([0xaf, 0x00, 0x11, 0x90]);
const videoFrame = (key: boolean, n: number): Buffer => Buffer.from([key ? 0x17 : 0x27, 0x01, 0, 0, 0, n & 0xff, (n >> 8) & 0xff]);
const audioFrame = (n: number): Buffer => Buffer.from([0xaf, 0x01, n & 0xff]);

/** 3 s of 30 fps video (GOP 1 s) with AAC at 21.33 ms, plus one trailing audio frame past the last video frame. */
function sampleFlv(): Buffer {
  const parts = [encodeFlvHeader({ audio: true, video: true })];
  parts.push(encodeFlvTag(18, 0, Buffer.concat([encodeAmf0('onMetaData'), encodeAmf0(new Amf0EcmaArray({ width: 1280, framerate: 30 }))])));
  parts.push(encodeFlvTag(9, 0, avcConfig), encodeFlvTag(8, 0, aacConfig));
  const tags: Array<{ ts: number; type: number; data: Buffer }> = [];
  for (let i = 0; i < 90; i++) tags.push({ ts: Math.round((i * 1000) / 30), type: 9, data: videoFrame(i % 30 === 0, i) });
  for (let i = 0; Math.round((i * 1024 * 1000) / 48000) <= 3010; i++) tags.push({ ts: Math.round((i * 1024 * 1000) / 48000), type: 8, data: audioFrame(i) });
  tags.sort((a, b) => a.ts - b.ts);
  for (const t of tags) parts.push(encodeFlvTag(t.type, t.ts, t.data));
  return Buffer.concat(parts);
}

describe('parseFlvSource', () => {
  const source = parseFlvSource(sampleFlv());

  it('finds the frame rate and makes one loop exactly the video frames × frame interval', () => {
    expect(source.fps).toBe(30);
    expect(source.videoFrames).toBe(90);
    expect(source.loopMs).toBe(3000);
  });

  it('keeps the decoder configurations apart, to be sent once', () => {
    expect(source.configs.map((c) => c.kind)).toEqual(['video-config', 'audio-config']);
    expect(source.frames.some((f) => f.kind === 'video-config' || f.kind === 'audio-config')).toBe(false);
  });

  it('leaves out frames at or past the loop length, so looped timestamps never go backwards', () => {
    expect(Math.max(...source.frames.map((f) => f.timestamp))).toBeLessThan(source.loopMs);
    const video = source.frames.filter((f) => f.kind === 'video-key' || f.kind === 'video-inter').map((f) => f.timestamp);
    const looped = [...video, ...video.map((t) => t + source.loopMs)];
    const steps = looped.slice(1).map((t, i) => t - (looped[i] as number));
    expect(Math.min(...steps)).toBeGreaterThanOrEqual(33);
    expect(Math.max(...steps)).toBeLessThanOrEqual(34);
  });

  it('decodes onMetaData to send it like an encoder', () => {
    expect(source.metadata).toBeInstanceOf(Amf0EcmaArray);
    expect((source.metadata as Amf0EcmaArray).entries).toMatchObject({ width: 1280, framerate: 30 });
  });
});
