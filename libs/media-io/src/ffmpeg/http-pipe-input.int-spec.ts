import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openHttpPipeInput } from './http-pipe-input';

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('openHttpPipeInput', () => {
  let server: Server;
  let url: string;
  const seen: Array<{ authorization?: string; url?: string }> = [];
  let handler: (req: IncomingMessage, res: ServerResponse) => void = () => undefined;

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ authorization: req.headers.authorization, url: req.url });
      handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/live/s1.flv`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends the credential as a header (not in the URL) and hands over the body until the server ends it', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'video/x-flv' });
      res.write('FLV');
      setTimeout(() => res.end('-tail'), 50);
    };
    const input = await openHttpPipeInput({ url, headers: { authorization: 'Bearer secret-ticket' }, idleTimeoutMs: 2000 });
    expect((await collect(input.stream)).toString()).toBe('FLV-tail');
    expect(seen.at(-1)).toEqual({ authorization: 'Bearer secret-ticket', url: '/live/s1.flv' });
  });

  it('rejects a refusal with its status and JSON message', async () => {
    handler = (_req, res) => res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ statusCode: 403, message: 'this pull ticket was already used' }));
    await expect(openHttpPipeInput({ url, idleTimeoutMs: 2000 })).rejects.toThrow(/refused: HTTP 403 this pull ticket was already used/);
  });

  it('ends the body (FFmpeg sees EOF) when the server goes silent for the idle timeout', async () => {
    handler = (_req, res) => {
      res.writeHead(200);
      res.write('x');
    };
    const input = await openHttpPipeInput({ url, idleTimeoutMs: 300 });
    const started = Date.now();
    expect((await collect(input.stream)).toString()).toBe('x');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('ends the body when closed by its owner', async () => {
    handler = (_req, res) => {
      res.writeHead(200);
      res.write('y');
    };
    const input = await openHttpPipeInput({ url, idleTimeoutMs: 10_000 });
    setTimeout(() => input.close(), 50);
    expect((await collect(input.stream)).toString()).toBe('y');
  });

  it('rejects when nothing listens', async () => {
    await expect(openHttpPipeInput({ url: 'http://127.0.0.1:1/live/x.flv', idleTimeoutMs: 1000 })).rejects.toThrow(/failed: .*ECONNREFUSED/);
  });
});
