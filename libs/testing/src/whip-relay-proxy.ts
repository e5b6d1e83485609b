import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UdpThrottleRelay, rewriteCandidatesToRelay, sdpCandidateTarget } from './udp-throttle-relay';

/**
 * An HTTP proxy in front of an SFU's WHIP endpoint that puts a UdpThrottleRelay
 * on the media path of every publish it forwards: the SFU's answer has its
 * candidates pointed at the relay, so a publisher that is not a browser (the
 * capture agent) can be given a lossy or slow uplink in a test without any
 * test knob in the publisher. Everything else (DELETE, PATCH) is passed through.
 */
export class WhipRelayProxy {
  readonly relays: UdpThrottleRelay[] = [];
  private upstreamLoss = 0;

  private constructor(
    private readonly server: Server,
    private readonly target: string,
  ) {}

  /** `target` is the SFU's base URL, e.g. `http://127.0.0.1:8083`. */
  static async start(target: string): Promise<WhipRelayProxy> {
    const server = createServer();
    const proxy = new WhipRelayProxy(server, target.replace(/\/+$/, ''));
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        proxy
          .forward(req.method ?? 'GET', req.url ?? '/', req.headers, Buffer.concat(chunks))
          .then(({ status, headers, body }) => {
            res.writeHead(status, headers);
            res.end(body);
          })
          .catch((error: unknown) => {
            res.writeHead(502, { 'content-type': 'text/plain' });
            res.end(String(error));
          });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    return proxy;
  }

  /** The proxy's base URL: publish to `${url}/whip/{streamId}`. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Uplink loss for every relay, present and future. */
  setUpstreamLoss(fraction: number): void {
    this.upstreamLoss = fraction;
    for (const relay of this.relays) relay.setUpstreamLoss(fraction);
  }

  async close(): Promise<void> {
    for (const relay of this.relays.splice(0)) relay.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async forward(
    method: string,
    path: string,
    headers: NodeJS.Dict<string | string[]>,
    body: Buffer,
  ): Promise<{ status: number; headers: Record<string, string>; body: string }> {
    const forwardHeaders: Record<string, string> = {};
    for (const name of ['authorization', 'content-type', 'if-match']) {
      const value = headers[name];
      if (typeof value === 'string') forwardHeaders[name] = value;
    }
    const res = await fetch(`${this.target}${path}`, { method, headers: forwardHeaders, body: method === 'GET' || method === 'HEAD' ? undefined : body });
    let text = await res.text();
    if (method === 'POST' && res.status === 201) {
      const candidate = sdpCandidateTarget(text);
      if (candidate) {
        const relay = await UdpThrottleRelay.start({ target: candidate, downstreamBitsPerSecond: 1_000_000_000, upstreamLoss: this.upstreamLoss });
        this.relays.push(relay);
        text = rewriteCandidatesToRelay(text, relay.port);
      }
    }
    const out: Record<string, string> = {};
    for (const name of ['content-type', 'location', 'etag']) {
      const value = res.headers.get(name);
      if (value) out[name] = value;
    }
    return { status: res.status, headers: out, body: text };
  }
}
