import fc from 'fast-check';
import { formatSrtStreamId, parseSrtStreamId, SRT_STREAM_ID_MAX_LENGTH } from './srt-stream-id';

const key = 'sk_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789';

describe('parseSrtStreamId', () => {
  describe('when a publisher connects', () => {
    it('reads the access-control form', () => {
      expect(parseSrtStreamId(`#!::r=live/${key},m=publish`)).toEqual({ ok: true, request: { mode: 'publish', streamKey: key } });
      expect(parseSrtStreamId(`#!::m=publish,r=live/${key},u=obs,t=stream`)).toEqual({ ok: true, request: { mode: 'publish', streamKey: key } });
    });

    it('reads the plain form as a publish', () => {
      expect(parseSrtStreamId(`live/${key}`)).toEqual({ ok: true, request: { mode: 'publish', streamKey: key } });
    });

    it('refuses other applications, nested paths and malformed keys without repeating the key', () => {
      for (const raw of [`app/${key}`, `live/${key}/x`, 'live/', `#!::r=other/${key},m=publish`, `#!::r=live/a key,m=publish`, `live/${'k'.repeat(257)}`]) {
        const parsed = parseSrtStreamId(raw);
        expect(parsed.ok).toBe(false);
        if (!parsed.ok) expect(parsed.error).not.toContain(key);
      }
    });
  });

  describe('when a player connects', () => {
    it('reads the stream id and the optional token in s=', () => {
      expect(parseSrtStreamId('#!::r=live/abc_1,m=request')).toEqual({ ok: true, request: { mode: 'request', streamId: 'abc_1' } });
      expect(parseSrtStreamId('#!::r=live/abc,m=request,s=v1.abc.123.play.sig')).toEqual({
        ok: true,
        request: { mode: 'request', streamId: 'abc', token: 'v1.abc.123.play.sig' },
      });
    });

    it('takes m=request as the default, as the SRT access-control convention says', () => {
      expect(parseSrtStreamId('#!::r=live/abc')).toEqual({ ok: true, request: { mode: 'request', streamId: 'abc' } });
    });

    it('refuses stream ids outside the id grammar', () => {
      expect(parseSrtStreamId(`#!::r=live/${'a'.repeat(65)},m=request`).ok).toBe(false);
      expect(parseSrtStreamId('#!::r=live/a.b,m=request').ok).toBe(false);
    });
  });

  describe('when the stream id is malformed', () => {
    it.each([
      ['empty', ''],
      ['no resource', '#!::m=publish'],
      ['a pair without =', '#!::r=live/abc,publish'],
      ['an empty key', '#!::=x,r=live/abc'],
      ['a repeated key', '#!::r=live/abc,r=live/def'],
      ['an unknown key', '#!::r=live/abc,x=1'],
      ['an unsupported mode', '#!::r=live/abc,m=bidirectional'],
      ['an unsupported type', '#!::r=live/abc,t=file'],
      ['an empty token', '#!::r=live/abc,m=request,s='],
      ['an over-long stream id', `live/${'k'.repeat(SRT_STREAM_ID_MAX_LENGTH)}`],
    ])('refuses %s with a clear error', (_name, raw) => {
      const parsed = parseSrtStreamId(raw);
      expect(parsed).toEqual({ ok: false, error: expect.any(String) });
      if (!parsed.ok) expect(parsed.error.length).toBeLessThan(120);
    });
  });

  describe('properties', () => {
    const keyArb = fc.stringMatching(/^[A-Za-z0-9_-]{8,256}$/);
    const idArb = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
    const tokenArb = fc.stringMatching(/^[A-Za-z0-9_.-]{1,200}$/);

    it('a formatted publish parses back to the same key', () => {
      fc.assert(
        fc.property(keyArb, (streamKey) => {
          expect(parseSrtStreamId(formatSrtStreamId({ mode: 'publish', streamKey }))).toEqual({ ok: true, request: { mode: 'publish', streamKey } });
          expect(parseSrtStreamId(`live/${streamKey}`)).toEqual({ ok: true, request: { mode: 'publish', streamKey } });
        }),
      );
    });

    it('a formatted request parses back to the same stream and token', () => {
      fc.assert(
        fc.property(idArb, fc.option(tokenArb, { nil: undefined }), (streamId, token) => {
          const request = { mode: 'request' as const, streamId, ...(token ? { token } : {}) };
          expect(parseSrtStreamId(formatSrtStreamId(request))).toEqual({ ok: true, request });
        }),
      );
    });

    it('any input gives a result or a short error, never a throw, and never echoes a key', () => {
      fc.assert(
        fc.property(fc.string({ maxLength: 700 }), (raw) => {
          const parsed = parseSrtStreamId(raw);
          if (!parsed.ok) {
            expect(parsed.error.length).toBeLessThan(120);
            return;
          }
          expect(raw.length).toBeLessThanOrEqual(SRT_STREAM_ID_MAX_LENGTH);
          if (parsed.request.mode === 'publish') expect(parsed.request.streamKey.length).toBeLessThanOrEqual(256);
        }),
      );
    });

    it('access-control pairs in any order and with ignored keys mean the same', () => {
      fc.assert(
        fc.property(keyArb, fc.shuffledSubarray(['u=enc', 'h=example.com', 't=stream'], {}), fc.boolean(), (streamKey, extras, modeFirst) => {
          const pairs = modeFirst ? ['m=publish', `r=live/${streamKey}`, ...extras] : [...extras, `r=live/${streamKey}`, 'm=publish'];
          expect(parseSrtStreamId(`#!::${pairs.join(',')}`)).toEqual({ ok: true, request: { mode: 'publish', streamKey } });
        }),
      );
    });

    it('errors never contain the key that was sent', () => {
      fc.assert(
        fc.property(keyArb, fc.constantFrom('x=1', 'm=bidirectional', 't=file', 'r=live/x', 'junk'), (streamKey, bad) => {
          const parsed = parseSrtStreamId(`#!::r=live/${streamKey},${bad}`);
          if (!parsed.ok) expect(parsed.error).not.toContain(streamKey);
        }),
      );
    });
  });
});
