import fc from 'fast-check';
import { TARGET_MASK, describeRestreamTarget, redactRestreamTarget, restreamTargetProblem } from './restream.contracts';

describe('restreamTargetProblem', () => {
  it.each([
    'rtmp://a.rtmp.youtube.com/live2/abcd-efgh-ijkl',
    'rtmps://live-api-s.facebook.com:443/rtmp/FB-123?s_bl=1&s_sc=2',
    'rtmp://127.0.0.1:1935/live/test',
    'srt://ingest.example.com:9000?streamid=#!::r=live/k,m=publish'.replace('#', '%23'),
    'srt://[::1]:9000',
  ])('accepts %s', (url) => expect(restreamTargetProblem(url)).toBeUndefined());

  it.each([
    ['http://example.com/live/key', /rtmp, rtmps or srt/],
    ['file:///etc/passwd', /rtmp, rtmps or srt/],
    ['rtmp://', /host/],
    ['not-a-url', /absolute/],
    ['rtmp://host', /application and a stream name/],
    ['srt://host', /needs a port/],
    ['rtmp://host/live/key#frag', /fragment/],
    ['rtmp://host/live/ke y', /spaces/],
    [`rtmp://host/live/${'k'.repeat(2100)}`, /at most 2048/],
  ])('refuses %s', (url, why) => expect(restreamTargetProblem(url)).toMatch(why));
});

describe('describeRestreamTarget', () => {
  it('keeps the scheme, host and RTMP application and masks the stream name', () => {
    expect(describeRestreamTarget('rtmp://a.rtmp.youtube.com/live2/abcd-efgh-ijkl')).toEqual({
      scheme: 'rtmp',
      host: 'a.rtmp.youtube.com',
      port: null,
      redacted: `rtmp://a.rtmp.youtube.com/live2/${TARGET_MASK}`,
    });
  });

  it('masks the whole query of an SRT target (streamid, passphrase)', () => {
    const d = describeRestreamTarget('srt://10.0.0.5:9000?streamid=live/secretkey&passphrase=verysecretpass');
    expect(d).toMatchObject({ scheme: 'srt', host: '10.0.0.5', port: 9000, redacted: `srt://10.0.0.5:9000?${TARGET_MASK}` });
  });

  it('masks a lone path segment and user info', () => {
    expect(describeRestreamTarget('rtmps://user:pw@host:443/onlykey').redacted).toBe(`rtmps://${TARGET_MASK}@host:443/${TARGET_MASK}`);
  });
});

describe('redactRestreamTarget', () => {
  const url = 'rtmp://a.rtmp.youtube.com/live2/abcd-efgh-ijkl?auth=tok123';

  it('replaces the URL with its shown form and every secret part on its own', () => {
    const stderr = `[rtmp @ 0x55] Cannot open ${url}: I/O error; playpath abcd-efgh-ijkl refused; auth=tok123`;
    const out = redactRestreamTarget(stderr, url);
    expect(out).toContain(`rtmp://a.rtmp.youtube.com/live2/${TARGET_MASK}`);
    expect(out).not.toMatch(/abcd-efgh-ijkl|tok123/);
  });

  it('masks percent-decoded spellings', () => {
    const out = redactRestreamTarget('streamid live/k#key!', 'srt://h:9000?streamid=live%2Fk%23key!');
    expect(out).not.toContain('live/k#key!');
  });

  it('never lets a path or query secret through, whatever it is (property)', () => {
    const secret = fc.stringMatching(/^[A-Za-z0-9_-]{3,40}$/);
    const filler = fc.stringMatching(/^[ .:;!()]{0,20}$/);
    const shown = 'rtmp://host.example/app/?';
    fc.assert(
      fc.property(secret, secret, filler, filler, (key, q, before, after) => {
        // A "secret" that is part of what may be shown (the host, the application) is no secret.
        fc.pre(!shown.includes(key) && !shown.includes(q) && !TARGET_MASK.includes(key));
        const target = `rtmp://host.example/app/${key}?k=${q}`;
        const out = redactRestreamTarget(`${before}${target}${after} ${key} (${q})`, target);
        return !out.includes(key) && !out.includes(q);
      }),
    );
  });
});
