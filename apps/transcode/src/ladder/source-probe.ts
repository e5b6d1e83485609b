import { execFile } from 'node:child_process';
import type { HttpPipeInput } from '@mediaplane/media-io';
import type { LiveStreamState } from '@mediaplane/sessions';
import { avcCodecStringFromProbe, type LiveInputFormat, type SourceMedia } from '@mediaplane/media-plan';

/** The source as the live state describes it, when ingest filled in the video size. */
export function sourceFromLiveState(state: LiveStreamState): SourceMedia | undefined {
  const video = state.media.video;
  if (!video?.width || !video.height) return undefined;
  return {
    width: video.width,
    height: video.height,
    fps: video.fps,
    videoCodec: video.codec,
    videoCodecString: video.codecString,
    hasAudio: state.media.audio !== undefined,
    audioCodec: state.media.audio?.codec,
    audioCodecString: state.media.audio?.codecString,
    bitrateKbps: state.bitrateKbps > 0 ? state.bitrateKbps : undefined,
  };
}

interface ProbeStream {
  codec_type?: string;
  codec_name?: string;
  profile?: string;
  level?: number;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
}

/**
 * Asks ffprobe (argument array, bounded time and output) what the internal
 * FLV carries, fed on its stdin (the pull's credential stays in this
 * process). Used only when the live state lacks the video size. Closes the
 * input when done.
 */
export function probeSource(ffprobePath: string, input: HttpPipeInput, timeoutMs: number, format: LiveInputFormat = 'flv'): Promise<SourceMedia> {
  const args = ['-v', 'error', '-analyzeduration', '1500000', '-probesize', '1000000', '-f', format, '-show_streams', '-of', 'json', '-i', 'pipe:0'];
  return new Promise((resolve, reject) => {
    const child = execFile(ffprobePath, args, { timeout: timeoutMs + 2000, maxBuffer: 1024 * 1024, killSignal: 'SIGKILL' }, (error, stdout) => {
      input.close();
      if (error) return reject(new Error(`ffprobe failed: ${error.message.split('\n')[0] ?? 'unknown error'}`));
      try {
        resolve(parseProbe(JSON.parse(stdout) as { streams?: ProbeStream[] }));
      } catch (parseError) {
        reject(parseError as Error);
      }
    });
    // EPIPE once ffprobe has seen enough and exits: expected.
    child.stdin?.on('error', () => undefined);
    if (child.stdin) input.stream.pipe(child.stdin);
  });
}

export function parseProbe(output: { streams?: ProbeStream[] }): SourceMedia {
  const streams = output.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video');
  const audio = streams.find((s) => s.codec_type === 'audio');
  if (!video?.width || !video.height || !video.codec_name) throw new Error('ffprobe found no video stream with a size');
  return {
    width: video.width,
    height: video.height,
    fps: rate(video.avg_frame_rate) ?? rate(video.r_frame_rate),
    videoCodec: video.codec_name,
    videoCodecString: video.codec_name === 'h264' ? avcCodecStringFromProbe(video.profile, video.level) : undefined,
    hasAudio: audio !== undefined,
    audioCodec: audio?.codec_name,
    audioCodecString: audio?.codec_name === 'aac' ? (audio.profile === 'HE-AAC' ? 'mp4a.40.5' : 'mp4a.40.2') : undefined,
  };
}

function rate(text: string | undefined): number | undefined {
  const m = /^(\d+)\/(\d+)$/.exec(text ?? '');
  if (!m || Number(m[2]) === 0) return undefined;
  const value = Number(m[1]) / Number(m[2]);
  return value > 0 ? value : undefined;
}

/**
 * RFC 6381 codec string of the H.264 in a finished segment (a local file, so
 * this is quick): used for the passthrough rendition when ingest did not
 * report the source's codec string, so CODECS names the real profile.
 */
export function probeSegmentCodecString(ffprobePath: string, file: string): Promise<string | undefined> {
  const args = ['-v', 'error', '-select_streams', 'v:0', '-show_streams', '-of', 'json', file];
  return new Promise((resolve) => {
    execFile(ffprobePath, args, { timeout: 5000, maxBuffer: 256 * 1024, killSignal: 'SIGKILL' }, (error, stdout) => {
      if (error) return resolve(undefined);
      try {
        const video = (JSON.parse(stdout) as { streams?: ProbeStream[] }).streams?.[0];
        resolve(video?.codec_name === 'h264' ? avcCodecStringFromProbe(video.profile, video.level) : undefined);
      } catch {
        resolve(undefined);
      }
    });
  });
}
