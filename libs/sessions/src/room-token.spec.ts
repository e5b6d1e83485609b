import { signRoomToken, verifyRoomToken } from './room-token';

const SECRET = 'a-room-token-secret-for-tests';
const claims = (over: Partial<Parameters<typeof signRoomToken>[1]> = {}) => ({
  roomId: 'standup',
  identity: 'alice',
  grants: { publish: true, subscribe: true, control: false },
  expiresAt: new Date(Date.now() + 60_000),
  ...over,
});

describe('room tokens', () => {
  it('verify with their claims for their room', () => {
    const verdict = verifyRoomToken(SECRET, signRoomToken(SECRET, claims()), 'standup');
    expect(verdict).toMatchObject({ ok: true, claims: { roomId: 'standup', identity: 'alice', grants: { publish: true, subscribe: true, control: false } } });
  });

  it('are refused for another room, after expiry, with another secret, or tampered', () => {
    const token = signRoomToken(SECRET, claims());
    expect(verifyRoomToken(SECRET, token, 'other')).toEqual({ ok: false, reason: 'wrong_room' });
    expect(verifyRoomToken(SECRET, signRoomToken(SECRET, claims({ expiresAt: new Date(Date.now() - 1000) })), 'standup')).toEqual({
      ok: false,
      reason: 'expired',
    });
    expect(verifyRoomToken('another-secret-of-16-chars', token, 'standup')).toEqual({ ok: false, reason: 'bad_signature' });
    const [prefix, body, sig] = token.split('.') as [string, string, string];
    const forged = Buffer.from(Buffer.from(body, 'base64url').toString().replace('"control":false', '"control":true')).toString('base64url');
    expect(verifyRoomToken(SECRET, `${prefix}.${forged}.${sig}`, 'standup')).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('are malformed when empty, oversized or not three parts', () => {
    for (const bad of [undefined, '', 'rt1.x', 'v1.a.b.c.d', `rt1.${'a'.repeat(2000)}.b`]) {
      expect(verifyRoomToken(SECRET, bad, 'standup')).toMatchObject({ ok: false, reason: 'malformed' });
    }
  });
});
