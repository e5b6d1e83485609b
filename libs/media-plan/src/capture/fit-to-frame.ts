export interface FrameSize {
  width: number;
  height: number;
}

/**
 * FFmpeg video filter that puts any input picture into a constant
 * `width`x`height` frame with its aspect ratio kept: scaled down (or up) to
 * fit, centred, black bars on the short sides. A device that rotates (a
 * portrait phone turned landscape, screencap frames whose size flips) then
 * never changes the output size, which encoders, HLS renditions and WebRTC
 * receivers all need. The scale is evaluated per frame so a size change
 * mid-stream is handled without restarting FFmpeg; sizes are kept even for
 * 4:2:0 chroma.
 */
export function fitToFrameFilter(frame: FrameSize): string {
  const w = evenSize(frame.width, 'width');
  const h = evenSize(frame.height, 'height');
  return [
    `scale=w=${w}:h=${h}:force_original_aspect_ratio=decrease:force_divisible_by=2:eval=frame`,
    `pad=w=${w}:h=${h}:x=(ow-iw)/2:y=(oh-ih)/2:color=black`,
    'setsar=1',
  ].join(',');
}

/** `-vf` output arguments of {@link fitToFrameFilter}, for callers that have no other video filter. */
export function fitToFrameArgs(frame: FrameSize): string[] {
  return ['-vf', fitToFrameFilter(frame)];
}

function evenSize(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 2 || value > 8192) throw new RangeError(`${what} must be an integer in 2..8192, got ${value}`);
  return value - (value % 2);
}
