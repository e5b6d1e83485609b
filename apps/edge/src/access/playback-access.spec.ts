import { signPlaybackToken } from '@mediaplane/sessions';
import { checkPlaybackAccess } from './playback-access';

const SECRET = 'edge-test-secret-0123456789';
const future = new Date(Date.now() + 60_000);

describe('checkPlaybackAccess', () => {
  describe('for a public stream', () => {
    it('lets anyone play it', () => {
      expect(checkPlaybackAccess(SECRET, 'abc', false, null)).toEqual({ ok: true, scope: 'anonymous' });
      expect(checkPlaybackAccess(SECRET, 'abc', false, 'garbage')).toEqual({ ok: true, scope: 'anonymous' });
    });

    it('tells an internal fetch (valid internal token) from a viewer', () => {
      expect(checkPlaybackAccess(SECRET, 'abc', false, signPlaybackToken(SECRET, 'abc', future, 'internal'))).toEqual({ ok: true, scope: 'internal' });
      expect(checkPlaybackAccess(SECRET, 'abc', false, signPlaybackToken(SECRET, 'abc', future))).toEqual({ ok: true, scope: 'play' });
      // Someone else's or a forged internal token is just a viewer.
      expect(checkPlaybackAccess(SECRET, 'abc', false, signPlaybackToken(SECRET, 'xyz', future, 'internal'))).toEqual({ ok: true, scope: 'anonymous' });
      expect(checkPlaybackAccess(SECRET, 'abc', false, signPlaybackToken('another-secret-0123456789', 'abc', future, 'internal'))).toEqual({
        ok: true,
        scope: 'anonymous',
      });
    });
  });

  describe('for a private stream', () => {
    it('asks for a token with 401', () => {
      expect(checkPlaybackAccess(SECRET, 'abc', true, null)).toMatchObject({ ok: false, status: 401 });
    });

    it('accepts play and internal tokens for the stream', () => {
      expect(checkPlaybackAccess(SECRET, 'abc', true, signPlaybackToken(SECRET, 'abc', future))).toEqual({ ok: true, scope: 'play' });
      expect(checkPlaybackAccess(SECRET, 'abc', true, signPlaybackToken(SECRET, 'abc', future, 'internal'))).toEqual({ ok: true, scope: 'internal' });
    });

    it('refuses expired, foreign and forged tokens with 403, saying why', () => {
      expect(checkPlaybackAccess(SECRET, 'abc', true, signPlaybackToken(SECRET, 'abc', new Date(Date.now() - 1000)))).toEqual({
        ok: false,
        status: 403,
        message: 'token: has expired',
      });
      expect(checkPlaybackAccess(SECRET, 'abc', true, signPlaybackToken(SECRET, 'xyz', future))).toMatchObject({
        status: 403,
        message: 'token: is for another stream',
      });
      expect(checkPlaybackAccess(SECRET, 'abc', true, signPlaybackToken('another-secret-0123456789', 'abc', future))).toMatchObject({ status: 403 });
      expect(checkPlaybackAccess(SECRET, 'abc', true, 'garbage')).toMatchObject({ status: 403, message: 'token: is malformed' });
    });
  });
});
