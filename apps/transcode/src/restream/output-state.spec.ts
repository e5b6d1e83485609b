import { OutputStateTracker, failureDetail } from './output-state';

describe('OutputStateTracker', () => {
  it('connects, goes live once bytes flow and the output time advances', () => {
    const t = new OutputStateTracker();
    t.spawned();
    expect(t.snapshot()).toEqual({ state: 'connecting', bytesSent: 0, reconnects: 0 });
    t.progress(undefined, false);
    expect(t.snapshot().state).toBe('connecting');
    t.progress(5000, true);
    expect(t.snapshot()).toEqual({ state: 'live', bytesSent: 5000, reconnects: 0 });
  });

  describe('when a run fails and FFmpeg is restarted', () => {
    it('is failed with the reason until the next spawn, then connecting, and keeps counting bytes over runs', () => {
      const t = new OutputStateTracker();
      t.spawned();
      t.progress(10_000, true);
      t.exited('crashed', 'rtmp://host/live/•••• : Broken pipe');
      expect(t.snapshot()).toEqual({ state: 'failed', bytesSent: 10_000, reconnects: 0, lastError: 'FFmpeg failed: rtmp://host/live/•••• : Broken pipe' });
      t.spawned();
      expect(t.snapshot()).toMatchObject({ state: 'connecting', bytesSent: 10_000, reconnects: 1 });
      t.progress(2500, true);
      expect(t.snapshot()).toMatchObject({ state: 'live', bytesSent: 12_500, reconnects: 1, lastError: expect.stringContaining('Broken pipe') });
    });

    it('names a stall and an ended source', () => {
      const t = new OutputStateTracker();
      t.spawned();
      t.exited('stalled', '');
      expect(t.snapshot().lastError).toBe('no progress (stalled)');
      t.spawned();
      t.exited('ended', 'x');
      expect(t.snapshot().lastError).toBe('the source ended: x');
    });
  });

  it('never counts bytes backwards within a run', () => {
    const t = new OutputStateTracker();
    t.spawned();
    t.progress(800, true);
    t.progress(400, true);
    expect(t.snapshot().bytesSent).toBe(800);
  });

  it('is idle once stopped, whatever FFmpeg says after that', () => {
    const t = new OutputStateTracker();
    t.spawned();
    t.progress(100, true);
    t.stopped();
    t.exited('crashed', 'killed');
    t.progress(900, true);
    expect(t.snapshot()).toEqual({ state: 'idle', bytesSent: 100, reconnects: 0 });
  });

  it('bounds the failure reason', () => {
    const t = new OutputStateTracker();
    t.spawned();
    t.exited('crashed', 'e'.repeat(2000));
    expect(t.snapshot().lastError?.length).toBeLessThanOrEqual(400);
  });
});

describe('failureDetail', () => {
  it('keeps the last two non-blank stderr lines', () => {
    expect(failureDetail(['a', '', 'b  ', 'c', '  '])).toBe('b | c');
    expect(failureDetail([])).toBe('');
  });
});
