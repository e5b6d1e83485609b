/**
 * One `-progress` report of FFmpeg. Counters are cumulative for the run;
 * fields FFmpeg reports as `N/A` (nothing encoded yet) are undefined.
 */
export interface FfmpegProgress {
  frame?: number;
  fps?: number;
  /** Output timestamp reached, in microseconds. */
  outTimeUs?: number;
  /** Encoding speed relative to real time (1 = real time). */
  speed?: number;
  bitrateKbps?: number;
  totalSizeBytes?: number;
  dropFrames?: number;
  dupFrames?: number;
  /** `progress=end`: FFmpeg has finished (the last report of a run). */
  ended: boolean;
}

/** Longest line we keep while waiting for its newline; FFmpeg's are < 100 bytes. */
const MAX_LINE = 4096;

/**
 * Parses FFmpeg's `-progress pipe:` output: blocks of `key=value` lines, each
 * closed by `progress=continue|end`. Bytes arrive in arbitrary chunks.
 */
export class FfmpegProgressParser {
  private partial = '';
  private block = new Map<string, string>();

  constructor(private readonly onProgress: (progress: FfmpegProgress) => void) {}

  push(chunk: Buffer | string): void {
    const text = this.partial + chunk.toString();
    const lines = text.split('\n');
    this.partial = (lines.pop() ?? '').slice(-MAX_LINE);
    for (const raw of lines) this.line(raw.trim());
  }

  private line(line: string): void {
    const eq = line.indexOf('=');
    if (eq <= 0) return;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (key !== 'progress') {
      if (this.block.size < 256) this.block.set(key, value);
      return;
    }
    const b = this.block;
    this.block = new Map();
    this.onProgress({
      frame: int(b.get('frame')),
      fps: num(b.get('fps')),
      outTimeUs: int(b.get('out_time_us') ?? b.get('out_time_ms')),
      speed: num(b.get('speed')?.replace(/x$/, '')),
      bitrateKbps: num(b.get('bitrate')?.replace(/kbits\/s$/, '')),
      totalSizeBytes: int(b.get('total_size')),
      dropFrames: int(b.get('drop_frames')),
      dupFrames: int(b.get('dup_frames')),
      ended: value === 'end',
    });
  }
}

function num(value: string | undefined): number | undefined {
  if (value === undefined || value === '' || value === 'N/A') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

function int(value: string | undefined): number | undefined {
  const n = num(value);
  return n === undefined ? undefined : Math.trunc(n);
}
