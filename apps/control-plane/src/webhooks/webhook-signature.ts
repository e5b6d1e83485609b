import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Header carrying `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. */
export const SIGNATURE_HEADER = 'mediaplane-signature';
export const EVENT_ID_HEADER = 'mediaplane-event-id';
export const EVENT_TYPE_HEADER = 'mediaplane-event-type';
export const ATTEMPT_HEADER = 'mediaplane-delivery-attempt';

export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

export function signWebhook(secret: string, body: string, timestampSeconds: number): string {
  return `t=${timestampSeconds},v1=${mac(secret, timestampSeconds, body)}`;
}

/**
 * What a receiver runs: the signature must match the exact body bytes and
 * the timestamp must be recent (it is signed too, so replays of old
 * deliveries are refused).
 */
export function verifyWebhookSignature(secret: string, header: string | undefined, body: string, toleranceSeconds = 300, now = Date.now()): boolean {
  if (!header || header.length > 1024) return false;
  const parts = new Map(
    header.split(',').map((p) => {
      const i = p.indexOf('=');
      return [p.slice(0, i).trim(), p.slice(i + 1).trim()] as const;
    }),
  );
  const t = parts.get('t');
  const v1 = parts.get('v1');
  if (!t || !v1 || !/^\d{1,12}$/.test(t) || !/^[a-f0-9]{64}$/.test(v1)) return false;
  if (Math.abs(now / 1000 - Number(t)) > toleranceSeconds) return false;
  return timingSafeEqual(Buffer.from(mac(secret, Number(t), body), 'hex'), Buffer.from(v1, 'hex'));
}

function mac(secret: string, timestampSeconds: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
}
