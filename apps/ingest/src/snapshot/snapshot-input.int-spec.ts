import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MpegTsDemuxer, MpegTsToFlv, parseFlvVideoTagHeader, type FlvTagBody } from '@mediaplane/codecs';
import { runFfmpegOnce } from './ffmpeg-one-shot';
import { snapshotInput } from './snapshot-input';

/** The sequence header and first keyframe of a codecs fixture, as a publisher's FLV tag bodies. */
function configAndKeyframe(fixture: string, hevc: 'hvc1' | 'codec-id-12' = 'codec-id-12'): [Buffer, Buffer] {
  const demuxer = new MpegTsDemuxer();
  const ts = readFileSync(join(__dirname, `../../../../libs/codecs/src/fixtures/${fixture}.mpegts`));
  const video = new MpegTsToFlv({ hevc }).pushAll([...demuxer.push(ts), ...demuxer.flush()]).filter((t: FlvTagBody) => t.kind === 'video');
  const config = video.find((t) => parseFlvVideoTagHeader(t.payload).isSequenceHeader);
  const keyframe = video.find((t) => parseFlvVideoTagHeader(t.payload).isKeyframe && !parseFlvVideoTagHeader(t.payload).isSequenceHeader);
  if (!config || !keyframe) throw new Error(`${fixture} has no configuration or keyframe`);
  return [config.payload, keyframe.payload];
}

async function jpegOf(config: Buffer, keyframe: Buffer): Promise<Buffer> {
  const input = snapshotInput(config, keyframe);
  if (!input) throw new Error('no snapshot input');
  return runFfmpegOnce({
    ffmpegPath: 'ffmpeg',
    args: ['-hide_banner', '-loglevel', 'error', '-f', input.format, '-i', 'pipe:0', '-frames:v', '1', '-f', 'image2', '-c:v', 'mjpeg', 'pipe:1'],
    input: input.bytes,
    timeoutMs: 10_000,
    maxOutputBytes: 1 << 20,
  });
}

const isJpeg = (b: Buffer): boolean => b[0] === 0xff && b[1] === 0xd8 && b[b.length - 2] === 0xff && b[b.length - 1] === 0xd9;

describe('snapshotInput (decoded by the real FFmpeg 5.1)', () => {
  it('gives FFmpeg an FLV for H.264', async () => {
    const [config, keyframe] = configAndKeyframe('h264-aac');
    expect(snapshotInput(config, keyframe)?.format).toBe('flv');
    expect(isJpeg(await jpegOf(config, keyframe))).toBe(true);
  });

  it.each(['hvc1', 'codec-id-12'] as const)('gives FFmpeg an MPEG-TS for HEVC (%s), which its FLV reader cannot take', async (hevc) => {
    const [config, keyframe] = configAndKeyframe('hevc-aac', hevc);
    expect(snapshotInput(config, keyframe)?.format).toBe('mpegts');
    expect(isJpeg(await jpegOf(config, keyframe))).toBe(true);
  });

  it('has nothing for AV1 or VP9 (not decodable from here yet)', () => {
    const av1 = Buffer.concat([Buffer.from([0x90]), Buffer.from('av01'), Buffer.from([0x81, 0, 0x0c, 0])]);
    expect(snapshotInput(av1, Buffer.concat([Buffer.from([0x93]), Buffer.from('av01'), Buffer.from([0x12, 0])]))).toBeUndefined();
  });
});
