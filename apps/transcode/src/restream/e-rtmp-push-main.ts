/**
 * The restream worker's push for streams FFmpeg 5.1 cannot write to FLV —
 * Enhanced RTMP video (HEVC, AV1, VP9) or audio (Opus, AC-3, E-AC-3, FLAC):
 * a small program run by the same FfmpegSupervisor as FFmpeg, speaking its
 * interface, so a push is supervised like any output (own process group,
 * progress watchdog, restart with backoff, stderr tail as failure detail):
 *
 * - stdin: the stream's internal FLV pull, whose tags go to the target as they are (RtmpTagPublisher);
 * - fd 3: the target URL on one line — not an argument, so it is not in the process list as FFmpeg's is;
 * - stdout: FFmpeg-style `-progress` blocks (`total_size`, `out_time_us`) every 500 ms;
 * - exit 0 when the input ends or on SIGTERM, 1 when the target refuses or drops the connection.
 */
import { createReadStream } from 'node:fs';
import { FlvDemuxer } from '@mediaplane/codecs';
import { RtmpTagPublisher, parseRtmpPublishTarget } from '@mediaplane/media-io';

/** Unsent bytes above which the input is paused until the target takes them (TCP back-pressure then reaches ingest). */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
const PROGRESS_INTERVAL_MS = 500;
/** Announced in connect: what this push may send, as OBS 30 announces what it publishes. */
const FOURCC_LIST = ['hvc1', 'av01', 'vp09', 'Opus', 'ac-3', 'ec-3', 'fLaC'];

async function readTargetUrl(): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of createReadStream('', { fd: 3 })) {
    chunks.push(chunk as Buffer);
    bytes += (chunk as Buffer).length;
    if (bytes > 16 * 1024) throw new Error('target URL over 16 KiB');
  }
  return Buffer.concat(chunks).toString('utf8').trim();
}

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  const target = parseRtmpPublishTarget(await readTargetUrl());
  const publisher = await RtmpTagPublisher.open(target, { connectProperties: { fourCcList: FOURCC_LIST } });
  let ending = false;
  const progress = (state: 'continue' | 'end'): void => {
    process.stdout.write(`total_size=${publisher.bytesSent}\nout_time_us=${publisher.mediaTimeMs * 1000}\nprogress=${state}\n`);
  };
  const timer = setInterval(() => progress('continue'), PROGRESS_INTERVAL_MS);
  const finish = (): void => {
    if (ending) return;
    ending = true;
    clearInterval(timer);
    progress('end');
    process.stdin.destroy();
    publisher.close();
    // The close flushes what is buffered; a target that never acknowledges it does not keep the process.
    setTimeout(() => process.exit(0), 2000).unref();
  };
  publisher.onClose((error) => {
    if (ending) return; // the socket flushes and the process ends by itself (or by the timer above)
    fail(`the target closed the connection${error ? `: ${error.message}` : ''}`);
  });
  process.once('SIGTERM', finish);
  process.once('SIGINT', finish);

  const demuxer = new FlvDemuxer();
  process.stdin.on('data', (chunk: Buffer) => {
    if (ending) return;
    let tags;
    try {
      tags = demuxer.push(chunk);
    } catch (error) {
      fail(`the stream's FLV could not be read: ${(error as Error).message}`);
    }
    for (const tag of tags) publisher.send(tag);
    if (publisher.bufferedBytes > MAX_BUFFERED_BYTES) {
      process.stdin.pause();
      publisher.onDrain(() => process.stdin.resume());
    }
  });
  process.stdin.once('end', finish);
}

main().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
