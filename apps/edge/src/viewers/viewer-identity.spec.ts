import { newSessionId, sessionIdOf, ViewerIdentity } from './viewer-identity';

describe('viewer identity', () => {
  describe('ViewerIdentity', () => {
    const identity = new ViewerIdentity();
    const clue = { address: '203.0.113.7', userAgent: 'Player/1.0', token: 'v1.abc.1700000000.play.SIGNATURE_PART' };

    it('gives the same viewer the same id on every request', () => {
      expect(identity.idOf(clue)).toBe(identity.idOf({ ...clue }));
    });

    it('tells viewers apart by address, user agent or token', () => {
      const ids = new Set([
        identity.idOf(clue),
        identity.idOf({ ...clue, address: '203.0.113.8' }),
        identity.idOf({ ...clue, userAgent: 'Player/2.0' }),
        identity.idOf({ ...clue, token: 'v1.abc.1700000000.play.OTHER' }),
        identity.idOf({ ...clue, token: null }),
      ]);
      expect(ids.size).toBe(5);
    });

    it('prefers the session id the edge gave the player, so players behind one address count apart', () => {
      expect(identity.idOf({ ...clue, sessionId: 'AAAAAAAAAAAAAAAA' })).not.toBe(identity.idOf({ ...clue, sessionId: 'BBBBBBBBBBBBBBBB' }));
      expect(identity.idOf({ ...clue, sessionId: 'AAAAAAAAAAAAAAAA' })).toBe(identity.idOf({ sessionId: 'AAAAAAAAAAAAAAAA' }));
    });

    it('keeps neither the address nor the token in the id, and another process derives other ids', () => {
      const id = identity.idOf(clue);
      expect(id).not.toContain('203.0.113.7');
      expect(id).not.toContain('SIGNATURE_PART');
      expect(id.length).toBeLessThanOrEqual(24);
      expect(new ViewerIdentity().idOf(clue)).not.toBe(id);
    });
  });

  describe('session ids', () => {
    it('are fresh, URL-safe and accepted back', () => {
      const a = newSessionId();
      expect(a).toMatch(/^[A-Za-z0-9_-]{16}$/);
      expect(newSessionId()).not.toBe(a);
      expect(sessionIdOf(new URLSearchParams({ vsid: a }))).toBe(a);
    });

    it('are ignored when missing or malformed', () => {
      expect(sessionIdOf(new URLSearchParams())).toBeUndefined();
      for (const bad of ['short', 'x'.repeat(33), 'has space in it!!', '../../../../etc/pa'])
        expect(sessionIdOf(new URLSearchParams({ vsid: bad }))).toBeUndefined();
    });
  });
});
