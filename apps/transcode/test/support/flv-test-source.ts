import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ChildProcess } from 'node:child_process';
import { verifyPlaybackToken } from '@mediaplane/sessions';
import { freePort, spawnTracked, stopProcess, testSourceArgs } from '@mediaplane/testing';

export interface FlvTestSourceOptions {
  width: number;
  height: number;
  fps?: number;
  /** Keyframe interval in frames (default: one per second). */
  gopFrames?: number;
  audio?: boolean;
  videoBitrateKbps?: number;
  /** Drop frames in an irregular pattern, as screen capture does: a variable-frame-rate source. */
  vfr?: boolean;
  /** When set, pulls must carry an internal token for the stream, as ingest requires. */
  secret?: string;
}

export interface FlvTestSource {
  port: number;
  /** The pullUrl a live state would carry for a stream. */
  pullUrl(streamId: string): string;
  /** Requests seen: stream id and whether the token was a valid internal one. */
  requests: Array<{ streamId: string; internalToken: boolean }>;
  /** Pulls being served right now. */
  active(): number;
  /** Freezes the stream's encoders (SIGSTOP): connections stay open and silent, as with a stalled publisher. */
  pause(streamId: string): void;
  resume(streamId: string): void;
  close(): Promise<void>;
}

/**
 * A stand-in for ingest's internal HTTP-FLV pull: every request gets its own
 * real-time FFmpeg encoder of a lavfi test pattern (H.264 + AAC), so several
 * pulls (a worker and the one taking over from it) can come and go.
 */
export async function startFlvTestSource(options: FlvTestSourceOptions): Promise<FlvTestSource> {
  const port = await freePort();
  const children = new Map<ChildProcess, string>();
  const requests: FlvTestSource['requests'] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = /^\/live\/([A-Za-z0-9_-]+)\.flv$/.exec(url.pathname);
    if (!match) {
      res.writeHead(404).end();
      return;
    }
    const streamId = match[1] as string;
    const internalToken = options.secret
      ? (() => {
          // As ingest: `Authorization: Bearer` (the worker's own pulls) or `?token=`.
          const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
          const verdict = verifyPlaybackToken(options.secret as string, url.searchParams.get('token') ?? bearer, streamId);
          return verdict.ok && verdict.claims.scope === 'internal';
        })()
      : false;
    requests.push({ streamId, internalToken });
    if (options.secret && !internalToken) {
      res.writeHead(403).end();
      return;
    }
    const args = testSourceArgs({
      width: options.width,
      height: options.height,
      fps: options.fps ?? 30,
      audio: options.audio,
      audioSampleRate: 48000,
      gopFrames: options.gopFrames ?? options.fps ?? 30,
      videoBitrateKbps: options.videoBitrateKbps ?? 1500,
      filterArgs: options.vfr ? ['-vf', "select='lt(mod(n\\,10)\\,4)+eq(mod(n\\,7)\\,0)'", '-fps_mode', 'vfr'] : [],
    });
    args.push('-f', 'flv', 'pipe:1');
    const child = spawnTracked('ffmpeg', args, { stdio: ['ignore', 'pipe', 'ignore'] });
    children.set(child, streamId);
    child.once('exit', () => {
      children.delete(child);
      res.end();
    });
    res.writeHead(200, { 'Content-Type': 'video/x-flv' });
    child.stdout?.pipe(res);
    res.on('close', () => void stopProcess(child, 2000));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    pullUrl: (streamId) => `http://127.0.0.1:${port}/live/${streamId}.flv`,
    requests,
    active: () => children.size,
    pause: (streamId) => children.forEach((id, c) => id === streamId && c.pid && process.kill(c.pid, 'SIGSTOP')),
    resume: (streamId) => children.forEach((id, c) => id === streamId && c.pid && process.kill(c.pid, 'SIGCONT')),
    async close() {
      children.forEach((_id, c) => c.pid && process.kill(c.pid, 'SIGCONT'));
      server.closeAllConnections();
      await Promise.all([...children.keys()].map((c) => stopProcess(c, 2000)));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
