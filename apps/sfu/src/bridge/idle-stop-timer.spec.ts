import { IdleStopTimer } from './idle-stop-timer';

describe('IdleStopTimer', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('fires once, the delay after the last occupant left', () => {
    const onIdle = jest.fn();
    const timer = new IdleStopTimer(5000, onIdle);
    timer.enter();
    timer.enter();
    timer.leave();
    jest.advanceTimersByTime(10_000);
    expect(onIdle).not.toHaveBeenCalled();
    timer.leave();
    jest.advanceTimersByTime(4999);
    expect(onIdle).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(onIdle).toHaveBeenCalledTimes(1);
    timer.enter();
    timer.leave();
    jest.advanceTimersByTime(10_000);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('does not fire when somebody comes back within the delay', () => {
    const onIdle = jest.fn();
    const timer = new IdleStopTimer(5000, onIdle);
    timer.enter();
    timer.leave();
    jest.advanceTimersByTime(4000);
    timer.enter();
    jest.advanceTimersByTime(60_000);
    expect(onIdle).not.toHaveBeenCalled();
    expect(timer.count).toBe(1);
  });

  it('arm() counts down with nobody in (a bridge whose first viewer never attached), and is ignored while occupied', () => {
    const onIdle = jest.fn();
    const empty = new IdleStopTimer(2000, onIdle);
    empty.arm();
    jest.advanceTimersByTime(2000);
    expect(onIdle).toHaveBeenCalledTimes(1);

    const occupied = new IdleStopTimer(2000, onIdle);
    occupied.enter();
    occupied.arm();
    jest.advanceTimersByTime(10_000);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('cancel() stops a countdown; an extra leave() does not go below zero', () => {
    const onIdle = jest.fn();
    const timer = new IdleStopTimer(1000, onIdle);
    timer.leave();
    expect(timer.count).toBe(0);
    timer.cancel();
    jest.advanceTimersByTime(5000);
    expect(onIdle).not.toHaveBeenCalled();
  });
});
