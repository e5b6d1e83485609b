import { spawnSync } from 'node:child_process';
import { BARCODE, barcodeLatencyMs, ffmpegWallClockBarcodeFilter } from './clock-barcode';

/** Decodes the barcode band of every frame of `file` (any size) as the page reader does: block centres on the middle row. */
function readBarcodes(file: string, width: number, height: number): number[] {
  const bandH = Math.round((height * 2 * BARCODE.block) / BARCODE.height);
  const out = spawnSync(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-i', file, '-vf', `crop=${width}:${bandH}:0:0`, '-f', 'rawvideo', '-pix_fmt', 'gray', '-'],
    {
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const frame = width * bandH;
  const row = Math.round(bandH / 2) * width;
  const values: number[] = [];
  for (let f = 0; (f + 1) * frame <= out.stdout.length; f++) {
    let value = 0;
    for (let k = BARCODE.bits - 1; k >= 0; k--) {
      const x = Math.round(((BARCODE.block * k + BARCODE.block / 2) / BARCODE.width) * width);
      value = value * 2 + ((out.stdout[f * frame + row + x] ?? 0) > 128 ? 1 : 0);
    }
    values.push(value);
  }
  return values;
}

describe('the wall-clock barcode filter (real FFmpeg)', () => {
  it.each([
    [1280, 720],
    [720, 1280],
  ])('burns the wall clock (1 ms) into a paced %ix%i H.264 picture, read back after the encode', (width, height) => {
    const file = `/tmp/mp-clock-barcode-${process.pid}-${width}x${height}.h264`;
    const encoded = spawnSync(
      'ffmpeg',
      [
        ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-re', '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=30`, '-t', '1'],
        ...['-vf', ffmpegWallClockBarcodeFilter(width, height), '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-f', 'h264', file],
      ],
      { encoding: 'utf8' },
    );
    const doneAt = Date.now();
    expect(encoded.stderr).toBe('');
    const values = readBarcodes(file, width, height);
    expect(values.length).toBeGreaterThanOrEqual(25);
    // Every frame carries a clock from the last second or so (the run took ~1 s of paced input), never going back.
    const ages = values.map((v) => barcodeLatencyMs(v, doneAt, 1));
    for (const age of ages) {
      expect(age).toBeGreaterThanOrEqual(0);
      expect(age).toBeLessThan(5000);
    }
    // Non-decreasing: two frames may be filtered within the same millisecond when FFmpeg catches up.
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThanOrEqual(values[i - 1] as number);
    // Paced at 30 fps: first to last frame spans about the clip (loose: a loaded machine).
    const span = (values.at(-1) as number) - (values[0] as number);
    expect(span).toBeGreaterThan(500);
    expect(span).toBeLessThan(3000);
  });
});
