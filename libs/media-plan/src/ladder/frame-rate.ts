/** A constant output frame rate as FFmpeg's `fps` filter takes it (`30`, `30000/1001`). */
export interface FrameRate {
  num: number;
  den: number;
}

const STANDARD: FrameRate[] = [
  { num: 10, den: 1 },
  { num: 12, den: 1 },
  { num: 15, den: 1 },
  { num: 20, den: 1 },
  { num: 24000, den: 1001 },
  { num: 24, den: 1 },
  { num: 25, den: 1 },
  { num: 30000, den: 1001 },
  { num: 30, den: 1 },
  { num: 48, den: 1 },
  { num: 50, den: 1 },
  { num: 60000, den: 1001 },
  { num: 60, den: 1 },
  { num: 100, den: 1 },
  { num: 120000, den: 1001 },
  { num: 120, den: 1 },
];

const FALLBACK: FrameRate = { num: 30, den: 1 };

export function fpsValue(rate: FrameRate): number {
  return rate.num / rate.den;
}

export function fpsText(rate: FrameRate): string {
  return rate.den === 1 ? String(rate.num) : `${rate.num}/${rate.den}`;
}

/**
 * The constant rate every rendition is encoded at. Sources report an average
 * (variable-rate screen captures report odd values like 17.3): the nearest
 * standard rate within 3% is kept, anything else becomes 30, and nothing
 * exceeds `maxFps` (59.94 with a cap of 30 becomes 29.97).
 */
export function chooseOutputFrameRate(sourceFps: number | undefined, maxFps: number): FrameRate {
  let rate = FALLBACK;
  if (sourceFps !== undefined && Number.isFinite(sourceFps) && sourceFps > 0) {
    const nearest = STANDARD.reduce((best, r) => (Math.abs(fpsValue(r) - sourceFps) < Math.abs(fpsValue(best) - sourceFps) ? r : best));
    if (Math.abs(fpsValue(nearest) - sourceFps) / sourceFps <= 0.03) rate = nearest;
  }
  while (fpsValue(rate) > maxFps + 1e-9) {
    const halved = rate.num % 2 === 0 ? { num: rate.num / 2, den: rate.den } : { num: rate.num, den: rate.den * 2 };
    if (fpsValue(halved) < 10) return { num: Math.max(1, Math.floor(maxFps)), den: 1 };
    rate = halved;
  }
  return rate;
}
