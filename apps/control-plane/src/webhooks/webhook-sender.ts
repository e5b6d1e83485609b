import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { OutboundTargetPolicy } from '@mediaplane/sessions';

export interface SendResult {
  ok: boolean;
  httpStatus: number | null;
  error: string | null;
  durationMs: number;
}

const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * POSTs one JSON delivery. Redirects are not followed (a redirect could
 * point anywhere) and count as failures; only 2xx is success. The target
 * policy checks literal addresses here and resolved ones in `lookup`.
 */
export async function sendWebhook(
  url: URL,
  body: string,
  headers: Record<string, string>,
  policy: OutboundTargetPolicy,
  timeoutMs: number,
): Promise<SendResult> {
  const started = Date.now();
  const done = (ok: boolean, httpStatus: number | null, error: string | null): SendResult => ({ ok, httpStatus, error, durationMs: Date.now() - started });
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) && !policy.allowsAddress(host, host)) return done(false, null, 'target address is in a refused range');
  return new Promise<SendResult>((resolve) => {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'Mediaplane-Webhooks/1', ...headers },
        lookup: policy.lookup,
        timeout: timeoutMs,
      },
      (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        let received = 0;
        // Read (and drop) a bounded amount so the connection can close cleanly.
        res.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > MAX_RESPONSE_BYTES) res.destroy();
        });
        const finish = () => resolve(done(status >= 200 && status < 300, status, status >= 200 && status < 300 ? null : `HTTP ${status}`));
        res.once('end', finish);
        res.once('close', finish);
        res.once('error', finish);
      },
    );
    const deadline = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.once('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.once('error', (error: NodeJS.ErrnoException) => resolve(done(false, null, error.code === 'EREFUSEDTARGET' ? error.message : describeError(error))));
    req.once('close', () => clearTimeout(deadline));
    req.end(body);
  });
}

function describeError(error: NodeJS.ErrnoException): string {
  return (error.code ? `${error.code}: ${error.message}` : error.message).slice(0, 300);
}
