import { generateWebhookSecret, signWebhook, verifyWebhookSignature } from './webhook-signature';

describe('webhook signatures', () => {
  const secret = generateWebhookSecret();
  const body = JSON.stringify({ id: 'evt_1', type: 'stream.started' });
  const now = Date.now();
  const t = Math.floor(now / 1000);

  it('verify for the exact body and a recent timestamp', () => {
    expect(verifyWebhookSignature(secret, signWebhook(secret, body, t), body, 300, now)).toBe(true);
  });

  it('fail for another body, another secret, or a tampered timestamp', () => {
    const header = signWebhook(secret, body, t);
    expect(verifyWebhookSignature(secret, header, `${body} `, 300, now)).toBe(false);
    expect(verifyWebhookSignature(generateWebhookSecret(), header, body, 300, now)).toBe(false);
    expect(verifyWebhookSignature(secret, header.replace(`t=${t}`, `t=${t + 1}`), body, 300, now)).toBe(false);
  });

  it('fail when the delivery is older than the tolerance (replay)', () => {
    expect(verifyWebhookSignature(secret, signWebhook(secret, body, t - 600), body, 300, now)).toBe(false);
  });

  it('fail on malformed headers', () => {
    for (const header of [undefined, '', 't=1', 'v1=abc', 't=x,v1=' + 'a'.repeat(64)])
      expect(verifyWebhookSignature(secret, header, body, 300, now)).toBe(false);
  });
});
