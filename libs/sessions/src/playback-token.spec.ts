import fc from 'fast-check';
import { signPlaybackToken, signPullTicket, verifyPlaybackToken } from './playback-token';

describe('playback tokens', () => {
  const secret = 'test-secret-0123456789';
  const future = new Date(Date.now() + 60_000);

  it('verify for the stream they were signed for until they expire', () => {
    const token = signPlaybackToken(secret, 'abc', future);
    expect(verifyPlaybackToken(secret, token, 'abc')).toMatchObject({ ok: true, claims: { streamId: 'abc', scope: 'play' } });
    expect(verifyPlaybackToken(secret, token, 'abc', new Date(future.getTime() + 1000))).toEqual({ ok: false, reason: 'expired' });
  });

  it('are refused for another stream, another secret, or when tampered with', () => {
    const token = signPlaybackToken(secret, 'abc', future);
    expect(verifyPlaybackToken(secret, token, 'other')).toEqual({ ok: false, reason: 'wrong_stream' });
    expect(verifyPlaybackToken('another-secret-xyz', token, 'abc')).toEqual({ ok: false, reason: 'bad_signature' });
    const tampered = token.replace(/\.(\d+)\./, (_m, exp: string) => `.${Number(exp) + 3600}.`);
    expect(verifyPlaybackToken(secret, tampered, 'abc')).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyPlaybackToken(secret, token.replace('.play.', '.internal.'), 'abc')).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('never accept arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ maxLength: 600 }), (s) => !verifyPlaybackToken(secret, s, 'abc').ok));
  });
});

describe('pull tickets', () => {
  const secret = 'test-secret-0123456789';

  it('are internal tokens with a nonce, different every time, valid for about PULL_TICKET_TTL_MS', () => {
    const now = Date.now();
    const a = signPullTicket(secret, 'abc', 30_000, now);
    const b = signPullTicket(secret, 'abc', 30_000, now);
    expect(a).not.toBe(b);
    const verdict = verifyPlaybackToken(secret, a, 'abc', new Date(now));
    expect(verdict).toMatchObject({ ok: true, claims: { streamId: 'abc', scope: 'internal', nonce: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/) } });
    expect(verifyPlaybackToken(secret, a, 'abc', new Date(now + 31_000))).toEqual({ ok: false, reason: 'expired' });
  });

  it('cannot be forged from a play token or have their nonce swapped', () => {
    const ticket = signPullTicket(secret, 'abc');
    const parts = ticket.split('.');
    parts[4] = 'AAAAAAAAAAAAAAAA';
    expect(verifyPlaybackToken(secret, parts.join('.'), 'abc')).toEqual({ ok: false, reason: 'bad_signature' });
    const play = signPlaybackToken(secret, 'abc', new Date(Date.now() + 60_000)).split('.');
    play.splice(4, 0, 'AAAAAAAAAAAAAAAA');
    expect(verifyPlaybackToken(secret, play.join('.'), 'abc')).toEqual({ ok: false, reason: 'malformed' });
  });
});
