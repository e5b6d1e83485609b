import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { streamContracts } from '@mediaplane/contracts';
import { killAllChildren, waitFor } from '@mediaplane/testing';
import { ControlPlaneHarness } from '../../test/control-plane-harness';
import { verifyWebhookSignature } from './webhook-signature';

interface Received {
  at: number;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const RETRY_BASE_MS = 400;

describe('webhooks', () => {
  let cp: ControlPlaneHarness;
  let receiver: Server;
  let receiverUrl: string;
  const received: Received[] = [];
  /** Status codes to answer per path, in order; 200 once they run out. */
  const script = new Map<string, number[]>();

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        const path = req.url ?? '';
        received.push({ at: Date.now(), path, headers: req.headers, body });
        const status = script.get(path)?.shift() ?? 200;
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'receiver is down');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    cp = await ControlPlaneHarness.start({
      MEDIAPLANE_WEBHOOK_ALLOWLIST: '127.0.0.1',
      CONTROL_PLANE_WEBHOOK_RETRY_BASE_MS: String(RETRY_BASE_MS),
      CONTROL_PLANE_WEBHOOK_MAX_ATTEMPTS: '4',
    });
  }, 60_000);

  afterAll(async () => {
    await cp?.stop();
    await new Promise((resolve) => receiver?.close(resolve));
    await killAllChildren();
  });

  const register = async (path: string, events?: string[]) => {
    const res = await cp.api<{ id: string; secret: string; url: string; events: string[] }>('POST', '/api/v1/webhooks', {
      body: { url: `${receiverUrl}${path}`, ...(events ? { events } : {}) },
    });
    expect(res.status).toBe(201);
    return res.body;
  };

  /** What ingest publishes when a publisher starts. */
  const streamStarted = (streamId: string) =>
    cp.bus.publish(
      streamContracts.streamStarted,
      { streamId },
      {
        streamId,
        sessionId: `sess-${streamId}`,
        protocol: 'rtmp',
        node: 'ingest-test',
        startedAt: new Date().toISOString(),
        media: { video: { codec: 'h264', width: 640, height: 360 } },
      },
    );

  describe('registration', () => {
    it.each([
      'http://10.0.0.1/hook',
      'http://192.168.1.20:8080/hook',
      'http://172.16.5.5/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]:9/hook',
      'http://127.0.0.2:9/hook',
      'http://0.0.0.0/hook',
      // Issue 14: IPv4 wrapped in IPv6 — compatible ::/96, 6to4, NAT64, mapped.
      'http://[::127.0.0.1]:9/hook',
      'http://[2002:7f00:1::1]:9/hook',
      'http://[64:ff9b::a9fe:a9fe]/latest/meta-data',
      'http://[::ffff:127.0.0.2]:9/hook',
    ])('refuses the private, loopback, link-local or wrapped target %s with a 400 naming url', async (url) => {
      const res = await cp.api('POST', '/api/v1/webhooks', { body: { url } });
      expect(res.status).toBe(400);
      expect(String(res.body['message'])).toMatch(/^url: .*is not a public address: .*special-purpose range.*MEDIAPLANE_WEBHOOK_ALLOWLIST/);
    });

    it.each([
      [{ url: 'ftp://example.com/x' }, /url: must use http or https/],
      [{ url: 'not a url' }, /url: must be an absolute/],
      [{ url: 'https://user:pw@example.com/x' }, /url: must not carry credentials/],
      [{ url: 'https://example.com/x', events: ['stream.exploded'] }, /events\.0: /],
      [{ url: 'https://example.com/x', events: [] }, /events: must name at least one event type/],
      [{}, /url: is required/],
    ])('answers 400 naming the field for %j', async (body, message) => {
      const res = await cp.api('POST', '/api/v1/webhooks', { body });
      expect(res.status).toBe(400);
      expect(String(res.body['message'])).toMatch(message);
    });

    it('accepts an allow-listed loopback target, shows the secret once, and deletes', async () => {
      const created = await register('/registered');
      expect(created.secret).toMatch(/^whsec_/);
      expect(created.events).toEqual(['stream.started', 'stream.ended', 'stream.publish_rejected', 'rendition.ready', 'recording.ready']);
      const one = await cp.api('GET', `/api/v1/webhooks/${created.id}`);
      expect(one.status).toBe(200);
      expect(one.text).not.toContain(created.secret);
      const list = await cp.api('GET', '/api/v1/webhooks');
      expect(list.text).toContain(created.id);
      expect(list.text).not.toContain(created.secret);
      expect((await cp.api('DELETE', `/api/v1/webhooks/${created.id}`)).status).toBe(204);
      expect((await cp.api('GET', `/api/v1/webhooks/${created.id}`)).status).toBe(404);
      expect((await cp.api('GET', `/api/v1/webhooks/${created.id}/deliveries`)).status).toBe(404);
    });
  });

  describe('delivery', () => {
    it('POSTs signed JSON with an idempotency id for the events a webhook subscribed to', async () => {
      const hook = await register('/signed', ['stream.started']);
      const endedOnly = await register('/ended-only', ['stream.ended']);
      await streamStarted('deliverMe');
      const got = await waitFor(() => received.find((r) => r.path === '/signed'), { what: 'a delivery at /signed' });
      expect(got.headers['content-type']).toBe('application/json');
      expect(verifyWebhookSignature(hook.secret, got.headers['mediaplane-signature'] as string, got.body)).toBe(true);
      expect(verifyWebhookSignature(endedOnly.secret, got.headers['mediaplane-signature'] as string, got.body)).toBe(false);
      const payload = JSON.parse(got.body) as { id: string; type: string; occurredAt: string; data: Record<string, unknown> };
      expect(payload).toMatchObject({ type: 'stream.started', data: { streamId: 'deliverMe', protocol: 'rtmp', node: 'ingest-test' } });
      expect(payload.id).toBe(got.headers['mediaplane-event-id']);
      expect(got.headers['mediaplane-event-type']).toBe('stream.started');
      expect(got.headers['mediaplane-delivery-attempt']).toBe('1');
      expect(got.body).not.toMatch(/sk_/);
      await waitFor(
        async () =>
          (await cp.api<{ deliveries: unknown[] }>('GET', `/api/v1/webhooks/${hook.id}/deliveries`)).body.deliveries.length === 1 ? true : undefined,
        {
          what: 'the delivery listed',
        },
      );
      expect(received.some((r) => r.path === '/ended-only')).toBe(false);
    });

    it('retries with growing delays after the receiver fails twice, with the same event id, and lists the attempts', async () => {
      script.set('/flaky', [500, 503]);
      const hook = await register('/flaky', ['stream.started']);
      await streamStarted('retryMe');
      const attempts = await waitFor(
        () => {
          const got = received.filter((r) => r.path === '/flaky');
          return got.length >= 3 ? got : undefined;
        },
        { timeoutMs: 30_000, what: 'three attempts at /flaky' },
      );
      expect(attempts.map((a) => a.headers['mediaplane-delivery-attempt'])).toEqual(['1', '2', '3']);
      expect(new Set(attempts.map((a) => a.headers['mediaplane-event-id'])).size).toBe(1);
      for (const a of attempts) expect(verifyWebhookSignature(hook.secret, a.headers['mediaplane-signature'] as string, a.body)).toBe(true);
      const gap1 = (attempts[1] as Received).at - (attempts[0] as Received).at;
      const gap2 = (attempts[2] as Received).at - (attempts[1] as Received).at;
      // Backoff: ~base after the first failure, ~2×base after the second (jitter keeps each in the upper half of its step).
      expect(gap1).toBeGreaterThanOrEqual(RETRY_BASE_MS / 2 - 50);
      expect(gap2).toBeGreaterThanOrEqual(RETRY_BASE_MS - 50);

      const listed = await waitFor(
        async () => {
          const res = await cp.api<{
            deliveries: Array<{ outcome: string; attempt: number; httpStatus: number | null; nextAttemptInMs: number | null }>;
            failures: unknown[];
          }>('GET', `/api/v1/webhooks/${hook.id}/deliveries`);
          return res.body.deliveries.length >= 3 ? res.body : undefined;
        },
        { what: 'three attempts listed' },
      );
      expect(listed.deliveries.map((d) => [d.attempt, d.outcome, d.httpStatus])).toEqual([
        [3, 'delivered', 200],
        [2, 'failed', 503],
        [1, 'failed', 500],
      ]);
      expect(listed.deliveries[1]?.nextAttemptInMs).toBeGreaterThan(0);
      expect(listed.failures).toHaveLength(2);
      const view = await cp.api<{ stats: { delivered: number; failedAttempts: number; lastAttempt: { outcome: string } } }>(
        'GET',
        `/api/v1/webhooks/${hook.id}`,
      );
      expect(view.body.stats).toMatchObject({ delivered: 1, failedAttempts: 2, lastAttempt: { outcome: 'delivered' } });
    });

    it('gives up after the last attempt and lists the failure', async () => {
      script.set('/dead', [500, 500, 500, 500, 500]);
      const hook = await register('/dead', ['stream.started']);
      await streamStarted('nobodyHome');
      const listed = await waitFor(
        async () => {
          const res = await cp.api<{ failures: Array<{ outcome: string; attempt: number }> }>('GET', `/api/v1/webhooks/${hook.id}/deliveries`);
          return res.body.failures.some((f) => f.outcome === 'gave_up') ? res.body : undefined;
        },
        { timeoutMs: 40_000, what: 'the delivery given up' },
      );
      expect(listed.failures.map((f) => f.outcome)).toEqual(['gave_up', 'failed', 'failed', 'failed']);
      expect(received.filter((r) => r.path === '/dead')).toHaveLength(4);
    });
  });
});
