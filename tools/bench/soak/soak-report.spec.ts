import { drainCheck, serviceVerdict, slope, trend, windowFloors, type ServiceSample } from './soak-report';

const MB = 1024 * 1024;
const series = (minutes: number, heap: (t: number) => number, fds: (t: number) => number, handles: (t: number) => number = () => 20): ServiceSample[] =>
  Array.from({ length: minutes * 2 + 1 }, (_, i) => ({
    atSeconds: i * 30,
    rssBytes: 2 * heap(i * 30),
    liveHeapBytes: heap(i * 30),
    handles: handles(i * 30),
    handleKinds: { TCPSocketWrap: handles(i * 30) },
    fds: fds(i * 30),
    children: 0,
  }));
/** Sockets in flight at the instant of a sample: anywhere from 0 to 40 on top of a fixed 17, no trend. */
const inFlight = (t: number): number => 17 + ((t * 7919) % 41);

describe('the soak verdict', () => {
  it('fits a least-squares slope', () => {
    expect(
      slope([
        { x: 0, y: 1 },
        { x: 1, y: 3 },
        { x: 2, y: 5 },
      ]),
    ).toBeCloseTo(2);
    expect(slope([{ x: 1, y: 1 }])).toBe(0);
  });

  it('calls a heap that breathes with GC flat', () => {
    const verdict = serviceVerdict(
      'ingest',
      series(
        30,
        (t) => 120 * MB + (Math.floor(t / 30) % 2 === 0 ? 0 : 12 * MB),
        () => 40,
      ),
      120,
    );
    expect(verdict).toMatchObject({ flat: true, liveHeap: { flat: true }, handles: { flat: true }, fds: { flat: true } });
  });

  it('calls a steady leak of memory or descriptors not flat', () => {
    expect(
      serviceVerdict(
        'edge',
        series(
          30,
          (t) => 100 * MB + (t / 60) * 2 * MB,
          () => 40,
        ),
        120,
      ),
    ).toMatchObject({ flat: false, liveHeap: { flat: false } });
    expect(
      serviceVerdict(
        'edge',
        series(
          30,
          () => 100 * MB,
          (t) => 40 + Math.floor(t / 60),
        ),
        120,
      ).fds.flat,
    ).toBe(false);
  });

  it('judges handles and descriptors that swing with the traffic on their floor', () => {
    const swinging = series(
      30,
      () => 100 * MB,
      (t) => 30 + inFlight(t),
      inFlight,
    );
    // The same shape as the 30-minute soak's edge: first sample low, last one high.
    swinging.push({ ...(swinging.at(-1) as ServiceSample), atSeconds: 1830, handles: 57, fds: 91 });
    const verdict = serviceVerdict('edge', swinging, 300);
    expect(verdict.handlesFloor.flat && verdict.fdsFloor.flat).toBe(true);
    expect(verdict.flat).toBe(true);
  });

  it('still catches one socket held per minute under the swing', () => {
    const leaking = series(
      30,
      () => 100 * MB,
      (t) => 30 + inFlight(t) + Math.floor(t / 60),
      (t) => inFlight(t) + Math.floor(t / 60),
    );
    const verdict = serviceVerdict('edge', leaking, 300);
    expect(verdict).toMatchObject({ flat: false, handlesFloor: { flat: false }, fdsFloor: { flat: false } });
  });

  it('takes the minimum of each window of samples', () => {
    const points = [5, 3, 9, 7, 8, 6, 2].map((value, i) => ({ atSeconds: i * 10, value }));
    expect(windowFloors(points, 3)).toEqual([
      { atSeconds: 20, value: 3 },
      { atSeconds: 50, value: 6 },
    ]);
  });

  it('requires handles and descriptors to come back once the viewers have gone', () => {
    const before = series(
      1,
      () => 100 * MB,
      () => 47,
      () => 17,
    )[0] as ServiceSample;
    expect(drainCheck(before, { ...before, handles: 19, fds: 50 }).returned).toBe(true);
    expect(drainCheck(before, { ...before, handles: 40, fds: 47 }).returned).toBe(false);
    const samples = series(
      30,
      () => 100 * MB,
      () => 47,
      () => 17,
    );
    expect(serviceVerdict('edge', samples, 300, { before, after: { ...before, fds: 90 } })).toMatchObject({ flat: false, drain: { returned: false } });
    expect(serviceVerdict('edge', samples, 300, { before, after: before }).flat).toBe(true);
  });

  it('leaves the warm-up out', () => {
    const samples = series(
      10,
      (t) => (t < 120 ? 50 * MB + t * MB : 170 * MB),
      () => 30,
    );
    expect(samples[0]?.handles).toBe(20);
    expect(serviceVerdict('transcode', samples, 120).flat).toBe(true);
    expect(
      trend(
        samples.map((s) => ({ atSeconds: s.atSeconds, value: s.rssBytes })),
        () => 16 * MB,
      ).flat,
    ).toBe(false);
  });
});
