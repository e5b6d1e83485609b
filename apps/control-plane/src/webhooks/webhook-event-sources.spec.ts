import { toWebhookEvent } from './webhook-event-sources';

describe('toWebhookEvent', () => {
  const started = {
    streamId: 's1',
    sessionId: 'sess1',
    protocol: 'rtmp',
    node: 'ingest-1',
    startedAt: '2025-01-01T00:00:00.000Z',
    media: {},
  };

  it('maps a stream start to stream.started with the time it happened', () => {
    const result = toWebhookEvent('ingest.v1.stream.s1.started', started, 'msg-1');
    expect(result).toMatchObject({ ok: true, event: { type: 'stream.started', occurredAt: '2025-01-01T00:00:00.000Z', data: started } });
  });

  it('gives a redelivered message the same event id, and another message another one', () => {
    const a = toWebhookEvent('ingest.v1.stream.s1.started', started, 'msg-1');
    const b = toWebhookEvent('ingest.v1.stream.s1.started', started, 'msg-1');
    const c = toWebhookEvent('ingest.v1.stream.s1.started', started, 'msg-2');
    if (!a.ok || !b.ok || !c.ok) throw new Error('expected events');
    expect(a.event.eventId).toBe(b.event.eventId);
    expect(a.event.eventId).not.toBe(c.event.eventId);
    expect(a.event.eventId).toMatch(/^evt_[A-Za-z0-9_-]{32}$/);
  });

  it('refuses payloads that violate the contract and subjects it does not know', () => {
    expect(toWebhookEvent('ingest.v1.stream.s1.started', { streamId: 's1' }, 'm')).toMatchObject({ ok: false });
    expect(toWebhookEvent('cluster.v1.node.x.heartbeat', {}, 'm')).toMatchObject({ ok: false });
  });
});
