import { fitToFrameArgs, fitToFrameFilter } from './fit-to-frame';

describe('fitToFrameFilter', () => {
  it('scales to fit inside the frame, keeping the aspect, then pads to the exact size', () => {
    expect(fitToFrameFilter({ width: 1280, height: 720 })).toBe(
      'scale=w=1280:h=720:force_original_aspect_ratio=decrease:force_divisible_by=2:eval=frame,pad=w=1280:h=720:x=(ow-iw)/2:y=(oh-ih)/2:color=black,setsar=1',
    );
  });

  it('rounds an odd size down to even (4:2:0 chroma)', () => {
    expect(fitToFrameFilter({ width: 721, height: 1281 })).toContain('pad=w=720:h=1280:');
  });

  it('rejects sizes FFmpeg cannot use', () => {
    expect(() => fitToFrameFilter({ width: 0, height: 720 })).toThrow(/width must be/);
    expect(() => fitToFrameFilter({ width: 1280, height: 1.5 })).toThrow(/height must be/);
    expect(() => fitToFrameFilter({ width: 100_000, height: 720 })).toThrow(/width must be/);
  });

  it('gives -vf arguments', () => {
    expect(fitToFrameArgs({ width: 640, height: 360 })[0]).toBe('-vf');
  });
});
