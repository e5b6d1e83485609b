import { Writable } from 'node:stream';
import { createLogger } from './logger';
import { redactText, redactValue, REDACTED } from './redact';

describe('redaction', () => {
  it('scrubs key/token query values, bearer tokens and SRT stream keys from text', () => {
    const text = redactText('GET /live/a.flv?token=abc.def&x=1 auth=Bearer s3cr3t srt://h:9000?streamid=#!::r=live/sk_123,m=publish rtmp://h/live?key=zzz');
    expect(text).not.toMatch(/abc\.def|s3cr3t|sk_123|zzz/);
    expect(text).toContain('x=1');
  });

  it('replaces secret fields at any depth', () => {
    const value = redactValue({ stream: { id: 's1', streamKey: 'sk_1' }, headers: { authorization: 'Bearer t' }, list: [{ token: 't2' }] });
    expect(JSON.stringify(value)).not.toMatch(/sk_1|t2|Bearer t/);
    expect(value).toMatchObject({ stream: { id: 's1', streamKey: REDACTED } });
  });

  it('keeps planted secrets out of every logged line', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const logger = createLogger({ app: 'test', destination: sink });
    logger.info({ streamKey: 'sk_planted', url: 'http://x/?key=sk_planted' }, 'publish with sk_planted? no: ?key=sk_planted');
    logger.error(new Error('failed for rtmp://x/live?token=sk_planted'));
    await new Promise((r) => setImmediate(r));
    expect(lines.length).toBe(2);
    for (const line of lines) expect(line).not.toContain('=sk_planted');
    expect(lines.join('')).not.toMatch(/"streamKey":"sk_planted"/);
  });
});
