import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IvfReader, IvfToFlv, MpegTsDemuxer, MpegTsToFlv, parseFlvVideoTagHeader, type FlvTagBody } from '@mediaplane/codecs';
import { encodeIvf } from '@mediaplane/testing';
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

/** The sequence header and first keyframe of a real E-RTMP AV1 or VP9 stream: FFmpeg's IVF through IvfToFlv, as the E-RTMP publisher makes it. */
function encodedConfigAndKeyframe(codec: 'av1' | 'vp9'): [Buffer, Buffer] {
  const reader = new IvfReader();
  const frames = reader.push(encodeIvf(codec, { frames: 2, width: 320, height: 180, gop: 25 }));
  const converter = new IvfToFlv(reader.fourCc as string);
  const [config, keyframe] = frames.flatMap((f) => converter.push(f));
  if (!config || !keyframe) throw new Error(`no ${codec} configuration or keyframe`);
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

  it.each(['hvc1', 'codec-id-12'] as const)('gives FFmpeg Matroska for HEVC (%s), which its FLV reader cannot take', async (hevc) => {
    const [config, keyframe] = configAndKeyframe('hevc-aac', hevc);
    expect(snapshotInput(config, keyframe)?.format).toBe('matroska');
    expect(isJpeg(await jpegOf(config, keyframe))).toBe(true);
  });

  it.each(['av1', 'vp9'] as const)('gives FFmpeg Matroska for E-RTMP %s', async (codec) => {
    const [config, keyframe] = encodedConfigAndKeyframe(codec);
    expect(snapshotInput(config, keyframe)?.format).toBe('matroska');
    expect(isJpeg(await jpegOf(config, keyframe))).toBe(true);
  });

  it('has nothing for a legacy FLV codec the muxer cannot carry (VP6)', () => {
    expect(snapshotInput(Buffer.from([0x14, 0x00]), Buffer.from([0x14, 0x00, 0x00]))).toBeUndefined();
  });
});
