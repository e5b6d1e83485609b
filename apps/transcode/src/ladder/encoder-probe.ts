import { execFile } from 'node:child_process';
import { encoderGlobalArgs, encoderUploadFilter, type EncoderName } from '@mediaplane/media-plan';

const HARDWARE: EncoderName[] = ['h264_nvenc', 'h264_qsv', 'h264_vaapi'];

/**
 * Picks the H.264 encoder: the first hardware encoder that FFmpeg lists *and*
 * that encodes a few test frames here (being compiled in says nothing about
 * a GPU being present), libx264 otherwise.
 */
export async function chooseEncoder(
  ffmpegPath: string,
  vaapiDevice: string,
  listed?: string,
): Promise<{ encoder: EncoderName; tried: Array<{ encoder: EncoderName; ok: boolean }> }> {
  const encoders = listed ?? (await run(ffmpegPath, ['-hide_banner', '-encoders'], 10_000).catch(() => ''));
  const tried: Array<{ encoder: EncoderName; ok: boolean }> = [];
  for (const encoder of HARDWARE) {
    if (!new RegExp(`\\b${encoder}\\b`).test(encoders)) continue;
    const ok = await encodesTestFrames(ffmpegPath, encoder, vaapiDevice);
    tried.push({ encoder, ok });
    if (ok) return { encoder, tried };
  }
  return { encoder: 'libx264', tried };
}

async function encodesTestFrames(ffmpegPath: string, encoder: EncoderName, vaapiDevice: string): Promise<boolean> {
  const upload = encoderUploadFilter(encoder);
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    ...encoderGlobalArgs(encoder, vaapiDevice),
    '-f',
    'lavfi',
    '-i',
    'color=c=black:s=320x240:r=30:d=0.2',
    ...(upload ? ['-vf', upload] : []),
    '-frames:v',
    '5',
    '-c:v',
    encoder,
    '-f',
    'null',
    '-',
  ];
  return run(ffmpegPath, args, 15_000).then(
    () => true,
    () => false,
  );
}

function run(file: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 4 * 1024 * 1024 }, (error, stdout) =>
      error ? reject(error) : resolve(stdout),
    );
  });
}
