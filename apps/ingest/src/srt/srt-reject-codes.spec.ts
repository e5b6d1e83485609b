import { SrtRejectCode } from '@mediaplane/srt';
import { playRejectCode, publishRejectCode } from './srt-reject-codes';

describe('SRT reject codes', () => {
  it('tell a publisher why, in the codes every helper agreed on', () => {
    expect(publishRejectCode('unknown_key')).toBe(1403);
    expect(publishRejectCode('invalid_key')).toBe(1403);
    expect(publishRejectCode('busy')).toBe(1409);
    expect(publishRejectCode('rate_limited')).toBe(1429);
    expect(publishRejectCode('unavailable')).toBe(1503);
    expect(publishRejectCode('bad_app')).toBe(SrtRejectCode.BAD_REQUEST);
  });

  it('tell a player why', () => {
    expect(playRejectCode({ ok: false, status: 404, message: '' })).toBe(1404);
    expect(playRejectCode({ ok: false, status: 401, message: '' })).toBe(1401);
    expect(playRejectCode({ ok: false, status: 403, message: '' })).toBe(1401);
    expect(playRejectCode({ ok: false, status: 400, message: '' })).toBe(1400);
  });
});
