import { randomBytes } from 'node:crypto';

/** A NATS/Redis namespace no other test run shares: isolation on the real servers without mocks. */
export function uniqueNamespace(prefix = 't'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`.toLowerCase().slice(0, 32);
}
