import { serviceVerdict, slope, trend, type ServiceSample } from './soak-report';

const MB = 1024 * 1024;
const series = (minutes: number, heap: (t: number) => number, fds: (t: number) => number): ServiceSample[] =>
  Array.from({ length: minutes * 2 + 1 }, (_, i) => ({
    atSeconds: i * 30,
    rssBytes: 2 * heap(i * 30),
    liveHeapBytes: heap(i * 30),
    handles: 20,
    fds: fds(i * 30),
    children: 0,
  }));

describe('the soak verdict', () => {
  it('fits a least-squares slope', () => {
    expect(slope([{ x: 0, y: 1 }, { x: 1, y: 3 }, { x: 2, y: 5 }])).toBeCloseTo(2);
    expect(slope([{ x: 1, y: 1 }])).toBe(0);
  });

  it('calls a heap that breathes with GC flat', () => {
    const verdict = serviceVerdict('ingest', series(30, (t) => 120 * MB + (Math.floor(t / 30) % 2 === 0 ? 0 : 12 * MB), () => 40), 120);
    expect(verdict).toMatchObject({ flat: true, liveHeap: { flat: true }, handles: { flat: true }, fds: { flat: true } });
  });

  it('calls a steady leak of memory or descriptors not flat', () => {
    expect(serviceVerdict('edge', series(30, (t) => 100 * MB + (t / 60) * 2 * MB, () => 40), 120)).toMatchObject({ flat: false, liveHeap: { flat: false } });
    expect(serviceVerdict('edge', series(30, () => 100 * MB, (t) => 40 + Math.floor(t / 60)), 120).fds.flat).toBe(false);
  });

  it('leaves the warm-up out', () => {
    const samples = series(10, (t) => (t < 120 ? 50 * MB + t * MB : 170 * MB), () => 30);
    expect(samples[0]?.handles).toBe(20);
    expect(serviceVerdict('transcode', samples, 120).flat).toBe(true);
    expect(trend(samples.map((s) => ({ atSeconds: s.atSeconds, value: s.rssBytes })), () => 16 * MB).flat).toBe(false);
  });
});
