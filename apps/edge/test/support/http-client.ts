import { Agent, request } from 'node:http';
import { runConcurrently } from '@mediaplane/testing';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * GETs over kept-alive connections from one local address (any of
 * 127.0.0.0/8 on Linux), so a test can be one client address — or another.
 */
export class HttpClient {
  private readonly agent: Agent;

  constructor(readonly localAddress = '127.0.0.1') {
    this.agent = new Agent({ keepAlive: true, maxSockets: 32, localAddress });
  }

  get(url: string, headers: Record<string, string> = {}): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      const req = request(url, { agent: this.agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  }

  /** GETs every URL, `concurrency` at a time; answers in the order of the URLs. */
  async getAll(urls: readonly string[], concurrency = 32): Promise<HttpAnswer[]> {
    const out: HttpAnswer[] = new Array<HttpAnswer>(urls.length);
    const errors = await runConcurrently([...urls.keys()], concurrency, async (i) => {
      out[i] = await this.get(urls[i] as string);
    });
    if (errors.length > 0) throw new Error(`${errors.length} of ${urls.length} GETs failed: ${errors[0]}`);
    return out;
  }

  close(): void {
    this.agent.destroy();
  }
}
