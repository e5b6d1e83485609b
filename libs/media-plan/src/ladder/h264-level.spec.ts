import { h264LevelIdc, levelText } from './h264-level';

describe('h264LevelIdc', () => {
  it.each([
    [1920, 1080, 30, 5000, 40],
    [1920, 1080, 60, 6000, 42],
    [1280, 720, 30, 2800, 31],
    [1280, 720, 60, 4000, 32],
    [854, 480, 30, 1400, 31],
    [640, 360, 30, 800, 30],
    [360, 640, 30, 800, 30],
    [3840, 2160, 30, 16000, 51],
  ])('%sx%s@%s at %s kbit/s needs level %s', (w, h, fps, kbps, idc) => {
    expect(h264LevelIdc(w, h, fps, kbps)).toBe(idc);
  });

  it('raises the level for bitrates above the frame-size level', () => {
    expect(h264LevelIdc(1920, 1080, 30, 30_000)).toBe(41);
  });

  it('formats levels as libx264 takes them', () => {
    expect(levelText(31)).toBe('3.1');
    expect(levelText(40)).toBe('4.0');
  });
});
