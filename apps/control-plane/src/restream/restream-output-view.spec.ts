import type { RestreamOutputReport } from '@mediaplane/contracts';
import type { LiveStreamState, RestreamOutputRecord } from '@mediaplane/sessions';
import { toRestreamOutputView } from './restream-output-view';

const now = Date.parse('2026-12-03T12:00:00Z');
const record: RestreamOutputRecord = {
  id: 'out_1',
  streamId: 's1',
  name: 'YouTube',
  url: 'rtmp://a.rtmp.youtube.com/live2/abcd-efgh',
  enabled: true,
  createdAt: '2026-12-01T00:00:00.000Z',
};
const live = { sessionId: 'sess2' } as LiveStreamState;
const report = (over: Partial<RestreamOutputReport> = {}): RestreamOutputReport => ({
  streamId: 's1',
  outputId: 'out_1',
  sessionId: 'sess2',
  worker: 'w1',
  state: 'live',
  bytesSent: 1234,
  reconnects: 2,
  at: new Date(now - 1000).toISOString(),
  ...over,
});
const view = (r: RestreamOutputReport | undefined, l: LiveStreamState | undefined, rec = record) =>
  toRestreamOutputView(rec, r, l, { staleAfterMs: 10_000, now });

describe('toRestreamOutputView', () => {
  it('never shows the target URL, only its redacted form', () => {
    const v = view(report(), live);
    expect(v.target).toEqual({ scheme: 'rtmp', host: 'a.rtmp.youtube.com', port: null, redacted: 'rtmp://a.rtmp.youtube.com/live2/••••' });
    expect(JSON.stringify(v)).not.toContain('abcd-efgh');
  });

  it('shows a recent report of the current session as it is', () => {
    expect(view(report({ state: 'failed', lastError: 'Connection refused' }), live)).toMatchObject({
      state: 'failed',
      bytesSent: 1234,
      reconnects: 2,
      lastError: 'Connection refused',
      worker: 'w1',
    });
  });

  it('is idle while the stream is offline, keeping the last figures', () => {
    expect(view(report(), undefined)).toMatchObject({ state: 'idle', bytesSent: 1234 });
  });

  it('is disabled when switched off, live or not', () => {
    expect(view(report(), live, { ...record, enabled: false }).state).toBe('disabled');
  });

  it('is connecting, with no figures, when the report is from an earlier session', () => {
    expect(view(report({ sessionId: 'sess1' }), live)).toMatchObject({ state: 'connecting', bytesSent: 0, reconnects: 0, lastError: null });
  });

  it('is connecting and says why when the reports stopped', () => {
    expect(view(report({ at: new Date(now - 60_000).toISOString() }), live)).toMatchObject({
      state: 'connecting',
      lastError: 'no recent report from a restream worker',
    });
  });
});
