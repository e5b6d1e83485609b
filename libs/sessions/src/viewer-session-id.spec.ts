import { randomBytes } from 'node:crypto';
import { mintViewerSessionId, verifyViewerSessionId } from './viewer-session-id';

describe('viewer session ids', () => {
  const secret = 'a-test-secret-of-enough-length';

  it('mints distinct 32-character URL-safe ids that verify for their stream', () => {
    const a = mintViewerSessionId(secret, 's1');
    const b = mintViewerSessionId(secret, 's1');
    expect(a).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(a).not.toBe(b);
    expect(verifyViewerSessionId(secret, 's1', a)).toBe(true);
    expect(verifyViewerSessionId(secret, 's1', b)).toBe(true);
  });

  it('refuses ids for another stream, under another secret, altered, or made up', () => {
    const id = mintViewerSessionId(secret, 's1');
    expect(verifyViewerSessionId(secret, 's2', id)).toBe(false);
    expect(verifyViewerSessionId('another-secret-of-enough-length', 's1', id)).toBe(false);
    const flipped = `${id.slice(0, 31)}${id.endsWith('A') ? 'B' : 'A'}`;
    expect(verifyViewerSessionId(secret, 's1', flipped)).toBe(false);
    expect(verifyViewerSessionId(secret, 's1', `${id.slice(0, 15)}${id[15] === 'A' ? 'B' : 'A'}${id.slice(16)}`)).toBe(false);
    // A client inventing values: 1,000 random ids of the right shape, none accepted.
    let accepted = 0;
    for (let i = 0; i < 1000; i++) if (verifyViewerSessionId(secret, 's1', randomBytes(24).toString('base64url'))) accepted++;
    expect(accepted).toBe(0);
    for (const bad of [undefined, null, '', 'short', `${id}x`, `${id.slice(0, 31)}.`]) expect(verifyViewerSessionId(secret, 's1', bad)).toBe(false);
  });
});
