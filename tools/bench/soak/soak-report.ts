/**
 * One reading of one service: the Node process's resident memory, its live
 * heap after a forced full GC (JS heap + external, over the inspector), the
 * handles keeping its loop alive (`process.getActiveResourcesInfo()`), its
 * open file descriptors and its child processes.
 */
export interface ServiceSample {
  atSeconds: number;
  rssBytes: number;
  liveHeapBytes: number;
  handles: number;
  /** The handles by kind (TCPSocketWrap, Timeout, …): what a count that moves is made of. */
  handleKinds: Record<string, number>;
  fds: number;
  children: number;
}

export interface Trend {
  /** Least-squares slope per minute over the samples after the warm-up. */
  perMinute: number;
  mean: number;
  first: number;
  last: number;
  min: number;
  max: number;
  /** Slope × the measured minutes: how much it grew over the run, as the line says. */
  projectedGrowth: number;
  flat: boolean;
}

/**
 * Handles and descriptors once the viewers have gone, against the same
 * service before they came (the same streams live both times). A socket or
 * timer leaked per viewer session stays behind here, whatever the traffic did.
 */
export interface DrainCheck {
  handlesBefore: number;
  handlesAfter: number;
  fdsBefore: number;
  fdsAfter: number;
  /** Both counts are back within `COUNT_ALLOWANCE` of where they were. */
  returned: boolean;
}

export interface ServiceVerdict {
  service: string;
  samples: number;
  /** Shown, not judged alone: allocators keep freed pages, so RSS may rise to a plateau without a leak. */
  rss: Trend;
  liveHeap: Trend;
  /** Shown, not judged: under load they count the viewers' requests in flight and kept-alive sockets at that instant. */
  handles: Trend;
  fds: Trend;
  /** Judged: the trend of each window's minimum, which only a resource that is never released lifts. */
  handlesFloor: Trend;
  fdsFloor: Trend;
  drain?: DrainCheck;
  /** Live heap flat, handle and descriptor floors flat, and (when drained) both back to where they were. */
  flat: boolean;
}

/** Least-squares slope of y over x (0 with fewer than two distinct x). */
export function slope(points: ReadonlyArray<{ x: number; y: number }>): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/**
 * Flat or not: the trend line over the samples after the warm-up must not
 * grow by more than `allowance(mean)` over the measured time. A heap that
 * breathes with GC gives a noisy line; a leak of one object per viewer that
 * churns gives a steady slope, which is what this catches.
 */
export function trend(samples: ReadonlyArray<{ atSeconds: number; value: number }>, allowance: (mean: number) => number): Trend {
  const values = samples.map((s) => s.value);
  const perSecond = slope(samples.map((s) => ({ x: s.atSeconds, y: s.value })));
  const spanSeconds = samples.length > 1 ? (samples.at(-1)?.atSeconds ?? 0) - (samples[0]?.atSeconds ?? 0) : 0;
  const mean = values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : 0;
  const projectedGrowth = perSecond * spanSeconds;
  return {
    perMinute: perSecond * 60,
    mean,
    first: values[0] ?? 0,
    last: values.at(-1) ?? 0,
    min: values.length > 0 ? Math.min(...values) : 0,
    max: values.length > 0 ? Math.max(...values) : 0,
    projectedGrowth,
    flat: projectedGrowth <= allowance(mean),
  };
}

/** Memory may drift by 10 % of its mean (at least 16 MB: V8 grows its heap in steps); handles and descriptors by 5 % (at least 8). */
export const MEMORY_ALLOWANCE = (mean: number): number => Math.max(16 * 1024 * 1024, 0.1 * mean);
export const COUNT_ALLOWANCE = (mean: number): number => Math.max(8, 0.05 * mean);

/** Samples per window whose minimum is the floor (2.5 min at the default 30 s sampling). */
export const FLOOR_WINDOW = 5;

/**
 * The minimum of each run of `window` consecutive samples, placed at the
 * window's last sample. A count that swings with the traffic of the moment
 * has a level floor; a count that holds on to what it took has a rising one.
 */
export function windowFloors(samples: ReadonlyArray<{ atSeconds: number; value: number }>, window: number): Array<{ atSeconds: number; value: number }> {
  const floors: Array<{ atSeconds: number; value: number }> = [];
  for (let end = window; end <= samples.length; end += window) {
    const run = samples.slice(end - window, end);
    floors.push({ atSeconds: run.at(-1)?.atSeconds ?? 0, value: Math.min(...run.map((s) => s.value)) });
  }
  return floors;
}

export function drainCheck(before: ServiceSample, after: ServiceSample): DrainCheck {
  const back = (was: number, is: number): boolean => is - was <= COUNT_ALLOWANCE(was);
  return {
    handlesBefore: before.handles,
    handlesAfter: after.handles,
    fdsBefore: before.fds,
    fdsAfter: after.fds,
    returned: back(before.handles, after.handles) && back(before.fds, after.fds),
  };
}

/**
 * The verdict of one service: samples before `warmupSeconds` are left out (start-up allocations, JIT,
 * caches filling); `drained` is the service before the viewers came and after they left.
 */
export function serviceVerdict(
  service: string,
  samples: readonly ServiceSample[],
  warmupSeconds: number,
  drained?: { before: ServiceSample; after: ServiceSample },
): ServiceVerdict {
  const kept = samples.filter((s) => s.atSeconds >= warmupSeconds);
  const use = kept.length >= 3 ? kept : samples;
  const of = (pick: (s: ServiceSample) => number, allowance: (mean: number) => number): Trend =>
    trend(
      use.map((s) => ({ atSeconds: s.atSeconds, value: pick(s) })),
      allowance,
    );
  const rss = of((s) => s.rssBytes, MEMORY_ALLOWANCE);
  const liveHeap = of((s) => s.liveHeapBytes, MEMORY_ALLOWANCE);
  const handles = of((s) => s.handles, COUNT_ALLOWANCE);
  const fds = of((s) => s.fds, COUNT_ALLOWANCE);
  const floorOf = (pick: (s: ServiceSample) => number): Trend =>
    trend(
      windowFloors(
        use.map((s) => ({ atSeconds: s.atSeconds, value: pick(s) })),
        use.length >= 2 * FLOOR_WINDOW ? FLOOR_WINDOW : 1,
      ),
      COUNT_ALLOWANCE,
    );
  const handlesFloor = floorOf((s) => s.handles);
  const fdsFloor = floorOf((s) => s.fds);
  const drain = drained ? drainCheck(drained.before, drained.after) : undefined;
  const flat = liveHeap.flat && handlesFloor.flat && fdsFloor.flat && (drain?.returned ?? true);
  return { service, samples: use.length, rss, liveHeap, handles, fds, handlesFloor, fdsFloor, drain, flat };
}
