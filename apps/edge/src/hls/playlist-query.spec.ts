import { playlistQuery, type PlaylistRequest } from './playlist-query';

describe('playlistQuery', () => {
  let minted = 0;
  const base: PlaylistRequest = {
    kind: 'master',
    isPrivate: false,
    token: null,
    scope: 'anonymous',
    sessionIds: true,
    sessionId: undefined,
    newSessionId: () => `minted${String(++minted).padStart(26, '0')}`,
  };

  describe('for a viewer of a public stream', () => {
    it('gives the master a fresh session id and keeps it from shared caches', () => {
      const a = playlistQuery(base);
      const b = playlistQuery(base);
      expect(a.params).toEqual([['vsid', expect.stringMatching(/^minted[0-9]{26}$/)]]);
      expect(a.params[0]?.[1]).not.toBe(b.params[0]?.[1]);
      expect(a.personal).toBe(true);
    });

    it('keeps the session id a master request brings', () => {
      expect(playlistQuery({ ...base, sessionId: 'AAAAAAAAAAAAAAAA' })).toEqual({ params: [['vsid', 'AAAAAAAAAAAAAAAA']], personal: true });
    });

    it("passes a media playlist's session id on to its segments; the body depends on the URL only, so it stays public", () => {
      expect(playlistQuery({ ...base, kind: 'media', sessionId: 'AAAAAAAAAAAAAAAA' })).toEqual({ params: [['vsid', 'AAAAAAAAAAAAAAAA']], personal: false });
    });

    it('leaves a media playlist opened directly (no session id) untouched', () => {
      expect(playlistQuery({ ...base, kind: 'media' })).toEqual({ params: [], personal: false });
    });

    it('does not pass on a token that did not verify', () => {
      expect(playlistQuery({ ...base, kind: 'media', token: 'garbage' })).toEqual({ params: [], personal: false });
    });
  });

  describe('with session ids turned off', () => {
    it('adds none, and the master stays cacheable', () => {
      expect(playlistQuery({ ...base, sessionIds: false })).toEqual({ params: [], personal: false });
      expect(playlistQuery({ ...base, sessionIds: false, kind: 'media', sessionId: 'AAAAAAAAAAAAAAAA' })).toEqual({ params: [], personal: false });
    });
  });

  describe('for an internal fetch', () => {
    it('passes its token on, even on a public stream, and gives it no session id', () => {
      expect(playlistQuery({ ...base, token: 'v1.x.1.internal.sig', scope: 'internal' })).toEqual({
        params: [['token', 'v1.x.1.internal.sig']],
        personal: true,
      });
      expect(playlistQuery({ ...base, kind: 'media', token: 'v1.x.1.internal.sig', scope: 'internal', sessionId: 'AAAAAAAAAAAAAAAA' })).toEqual({
        params: [['token', 'v1.x.1.internal.sig']],
        personal: true,
      });
    });
  });

  describe('for a viewer of a private stream', () => {
    it('passes the token, then the session id', () => {
      expect(playlistQuery({ ...base, isPrivate: true, token: 't', scope: 'play', sessionId: 'AAAAAAAAAAAAAAAA' })).toEqual({
        params: [
          ['token', 't'],
          ['vsid', 'AAAAAAAAAAAAAAAA'],
        ],
        personal: true,
      });
    });
  });
});
