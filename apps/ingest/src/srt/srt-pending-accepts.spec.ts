import { SrtPendingAccepts } from './srt-pending-accepts';

describe('SrtPendingAccepts', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const key = SrtPendingAccepts.key('10.0.0.1', 5000, 'live/x');

  it('hands an accepted decision to its connection once', () => {
    const expired: string[] = [];
    const pending = new SrtPendingAccepts<string>(1000, (v) => expired.push(v));
    pending.add(key, 'a');
    expect(pending.take(key)).toBe('a');
    expect(pending.take(key)).toBeUndefined();
    jest.advanceTimersByTime(2000);
    expect(expired).toEqual([]);
  });

  describe('when the connection never comes up (a wrong passphrase)', () => {
    it('expires the decision after the timeout so its effects are undone', () => {
      const expired: string[] = [];
      const pending = new SrtPendingAccepts<string>(1000, (v) => expired.push(v));
      pending.add(key, 'a');
      jest.advanceTimersByTime(999);
      expect(expired).toEqual([]);
      jest.advanceTimersByTime(1);
      expect(expired).toEqual(['a']);
      expect(pending.take(key)).toBeUndefined();
      expect(pending.size).toBe(0);
    });
  });

  it('a retry from the same caller socket replaces (and expires) its older decision', () => {
    const expired: string[] = [];
    const pending = new SrtPendingAccepts<string>(1000, (v) => expired.push(v));
    pending.add(key, 'a');
    pending.add(key, 'b');
    expect(expired).toEqual(['a']);
    jest.advanceTimersByTime(1000);
    expect(expired).toEqual(['a', 'b']);
  });

  it('callers differing by port or streamid do not meet', () => {
    const pending = new SrtPendingAccepts<string>(1000, () => undefined);
    pending.add(SrtPendingAccepts.key('10.0.0.1', 5000, 'live/x'), 'a');
    pending.add(SrtPendingAccepts.key('10.0.0.1', 5001, 'live/x'), 'b');
    pending.add(SrtPendingAccepts.key('10.0.0.1', 5000, 'live/y'), 'c');
    expect(pending.take(SrtPendingAccepts.key('10.0.0.1', 5001, 'live/x'))).toBe('b');
    expect(pending.size).toBe(2);
    const expired: string[] = [];
    const p2 = new SrtPendingAccepts<string>(1000, (v) => expired.push(v));
    p2.add(key, 'z');
    p2.expireAll();
    expect(expired).toEqual(['z']);
  });

  it('takeWhere removes matching entries without expiring them', () => {
    const expired: string[] = [];
    const pending = new SrtPendingAccepts<string>(1000, (v) => expired.push(v));
    pending.add(SrtPendingAccepts.key('a', 1, 'x'), 'one');
    pending.add(SrtPendingAccepts.key('b', 1, 'x'), 'two');
    expect(pending.takeWhere((v) => v === 'two')).toEqual(['two']);
    jest.advanceTimersByTime(1000);
    expect(expired).toEqual(['one']);
  });
});
