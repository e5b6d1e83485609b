import { mintViewerSessionId } from '@mediaplane/sessions';
import { addressGroupOf, sessionIdOf, ViewerIdentity } from './viewer-identity';

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
    const secret = 'a-test-secret-of-enough-length';

    it('are accepted back when an edge minted them for this stream', () => {
      const a = mintViewerSessionId(secret, 's1');
      expect(sessionIdOf(new URLSearchParams({ vsid: a }), secret, 's1')).toBe(a);
      expect(sessionIdOf(new URLSearchParams({ vsid: a }), secret, 's2')).toBeUndefined();
    });

    it('are ignored when missing, malformed or made up by the client', () => {
      expect(sessionIdOf(new URLSearchParams(), secret, 's1')).toBeUndefined();
      for (const bad of ['short', 'x'.repeat(32), 'AAAAAAAAAAAAAAAA', 'has space in it!!', '../../../../etc/pa'])
        expect(sessionIdOf(new URLSearchParams({ vsid: bad }), secret, 's1')).toBeUndefined();
    });
  });

  describe('address groups', () => {
    it('are the address for IPv4 (mapped or not) and the /64 for IPv6', () => {
      expect(addressGroupOf('203.0.113.7')).toBe('203.0.113.7');
      expect(addressGroupOf('::ffff:203.0.113.7')).toBe('203.0.113.7');
      expect(addressGroupOf('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
      expect(addressGroupOf('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
      expect(addressGroupOf('2001:0db8::1')).toBe('2001:db8:0:0::/64');
      expect(addressGroupOf('::1')).toBe('0:0:0:0::/64');
      expect(addressGroupOf('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
      expect(addressGroupOf(undefined)).toBe('');
    });

    it('are hashed: the same group gives the same key, and the key keeps no address', () => {
      const identity = new ViewerIdentity();
      expect(identity.groupOf('2001:db8:1:2::1')).toBe(identity.groupOf('2001:db8:1:2::ffff'));
      expect(identity.groupOf('203.0.113.7')).not.toBe(identity.groupOf('203.0.113.8'));
      expect(identity.groupOf('203.0.113.7')).not.toContain('203');
    });
  });
});
