import fc from 'fast-check';
import { signPlaybackToken, verifyPlaybackToken } from './playback-token';
import { looksLikeRelayToken, signRelayToken, verifyRelayToken } from './relay-token';

describe('relay tokens', () => {
  const secret = 'test-secret-0123456789';
  const future = new Date(Date.now() + 60_000);

  it('carry the stream and whether it is private until they expire', () => {
    const token = signRelayToken(secret, { streamId: 'abc', expiresAt: future, private: true });
    expect(looksLikeRelayToken(token)).toBe(true);
    expect(verifyRelayToken(secret, token)).toMatchObject({ ok: true, claims: { streamId: 'abc', private: true } });
    expect(verifyRelayToken(secret, signRelayToken(secret, { streamId: 'abc', expiresAt: future, private: false }))).toMatchObject({
      ok: true,
      claims: { private: false },
    });
    expect(verifyRelayToken(secret, token, new Date(future.getTime() + 1000))).toEqual({ ok: false, reason: 'expired' });
  });

  it('are refused with another secret or when the stream, expiry or visibility is changed', () => {
    const token = signRelayToken(secret, { streamId: 'abc', expiresAt: future, private: true });
    expect(verifyRelayToken('another-secret-xyz', token)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyRelayToken(secret, token.replace('.abc.', '.abd.'))).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyRelayToken(secret, token.replace('.prv.', '.pub.'))).toEqual({ ok: false, reason: 'bad_signature' });
    const later = token.replace(/\.(\d+)\./, (_m, exp: string) => `.${Number(exp) + 3600}.`);
    expect(verifyRelayToken(secret, later)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('and playback tokens never stand in for each other', () => {
    const playback = signPlaybackToken(secret, 'abc', future, 'internal');
    expect(verifyRelayToken(secret, playback)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyRelayToken(secret, `r1${playback.slice(2)}`).ok).toBe(false);
    const relay = signRelayToken(secret, { streamId: 'abc', expiresAt: future, private: false });
    expect(verifyPlaybackToken(secret, relay, 'abc').ok).toBe(false);
    expect(verifyPlaybackToken(secret, `v1${relay.slice(2)}`, 'abc').ok).toBe(false);
  });

  it('never accept arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ maxLength: 600 }), (s) => !verifyRelayToken(secret, s).ok));
  });
});
