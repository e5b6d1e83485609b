import { FfmpegProgressParser, type FfmpegProgress } from './ffmpeg-progress';

const BLOCK = [
  'frame=120',
  'fps=29.97',
  'stream_0_0_q=23.0',
  'bitrate=1234.5kbits/s',
  'total_size=654321',
  'out_time_us=4000000',
  'out_time_ms=4000000',
  'out_time=00:00:04.000000',
  'dup_frames=2',
  'drop_frames=1',
  'speed=1.01x',
  'progress=continue',
].join('\n');

describe('FfmpegProgressParser', () => {
  function parse(chunks: string[]): FfmpegProgress[] {
    const out: FfmpegProgress[] = [];
    const parser = new FfmpegProgressParser((p) => out.push(p));
    for (const c of chunks) parser.push(c);
    return out;
  }

  it('reads a report when its progress line arrives', () => {
    expect(parse([`${BLOCK}\n`])).toEqual([
      { frame: 120, fps: 29.97, outTimeUs: 4_000_000, speed: 1.01, bitrateKbps: 1234.5, totalSizeBytes: 654321, dropFrames: 1, dupFrames: 2, ended: false },
    ]);
  });

  it('reassembles reports split at any byte', () => {
    const text = `${BLOCK}\n${BLOCK.replace('progress=continue', 'progress=end')}\n`;
    for (let cut = 1; cut < text.length; cut += 37) {
      const reports = parse([text.slice(0, cut), text.slice(cut)]);
      expect(reports).toHaveLength(2);
      expect(reports[1]?.ended).toBe(true);
    }
  });

  it('leaves N/A fields undefined before the first frame', () => {
    const [report] = parse(['frame=0\nfps=0.00\nbitrate=N/A\nout_time_us=N/A\nspeed=N/A\nprogress=continue\n']);
    expect(report).toMatchObject({ frame: 0, bitrateKbps: undefined, outTimeUs: undefined, speed: undefined });
  });

  it('ignores lines that are not key=value and survives an endless line', () => {
    const reports = parse(['garbage\n=x\n', 'a'.repeat(100_000), '\nframe=1\nprogress=continue\n']);
    expect(reports).toEqual([expect.objectContaining({ frame: 1 })]);
  });
});
