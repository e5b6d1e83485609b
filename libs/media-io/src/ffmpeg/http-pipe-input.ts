import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { PassThrough, type Readable } from 'node:stream';

export interface HttpPipeInputOptions {
  /** The media URL, without credentials: they go in `headers`. */
  url: string;
  /** Request headers, e.g. `authorization`: never on a command line or in a URL we print. */
  headers?: Record<string, string>;
  /** No byte for this long (connecting included): the input ends, so FFmpeg reading it sees EOF instead of hanging. */
  idleTimeoutMs: number;
}

export interface HttpPipeInput {
  /** The response body; it ends when the response ends, fails or times out. Pipe it into FFmpeg's stdin (`-i pipe:0`). */
  readonly stream: Readable;
  /** Aborts the request (the run is over). Idempotent. */
  close(): void;
}

const MAX_ERROR_BODY = 512;

/**
 * An HTTP GET whose body becomes FFmpeg's stdin: FFmpeg reads `pipe:0` and
 * this process holds the connection, so a credential travels in a request
 * header and appears in no child's argv or environment (`ps`,
 * `/proc/<pid>/cmdline` are readable by every local user). Resolves once the
 * server answered 200; any other answer rejects with its status and short
 * message. The body ends cleanly on EOF, error, abort or idle timeout, so
 * FFmpeg exits as it would after losing a network input, and the caller's
 * supervisor decides about a restart.
 */
export function openHttpPipeInput(options: HttpPipeInputOptions): Promise<HttpPipeInput> {
  const url = new URL(options.url);
  const send = url.protocol === 'https:' ? httpsRequest : url.protocol === 'http:' ? httpRequest : undefined;
  if (!send) return Promise.reject(new Error(`unsupported input protocol ${url.protocol}`));
  return new Promise((resolve, reject) => {
    let settled = false;
    const req: ClientRequest = send(url, { method: 'GET', headers: { ...options.headers, connection: 'close' } });
    req.setTimeout(options.idleTimeoutMs, () => req.destroy(new Error(`no data from ${url.host} for ${options.idleTimeoutMs} ms`)));
    req.on('error', (error) => {
      if (settled) return;
      settled = true;
      reject(new Error(`pull from ${url.host}${url.pathname} failed: ${error.message}`));
    });
    req.once('response', (res: IncomingMessage) => {
      if (res.statusCode !== 200) {
        void errorMessage(res).then((message) => {
          req.destroy();
          if (settled) return;
          settled = true;
          reject(new Error(`pull from ${url.host}${url.pathname} refused: HTTP ${res.statusCode ?? '?'}${message ? ` ${message}` : ''}`));
        });
        return;
      }
      settled = true;
      const body = new PassThrough();
      const end = (): void => {
        if (!body.writableEnded) body.end();
      };
      res.once('end', end);
      res.once('aborted', end);
      res.on('error', end);
      res.once('close', end);
      req.once('close', end);
      res.pipe(body, { end: false });
      resolve({
        stream: body,
        close: () => {
          req.destroy();
          end();
        },
      });
    });
    req.end();
  });
}

/** The `message` of a JSON error body (or its first bytes), bounded. */
async function errorMessage(res: IncomingMessage): Promise<string> {
  let text = '';
  try {
    for await (const chunk of res) {
      text += (chunk as Buffer).toString('utf8');
      if (text.length >= MAX_ERROR_BODY) break;
    }
  } catch {
    // The body is a courtesy; the status says enough.
  }
  text = text.slice(0, MAX_ERROR_BODY);
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message.slice(0, 200);
  } catch {
    // not JSON
  }
  return text.replace(/\s+/g, ' ').trim().slice(0, 200);
}
