import { chooseEncoder } from './encoder-probe';

describe('chooseEncoder', () => {
  it('falls back to libx264 when no hardware encoder can encode here', async () => {
    const { encoder, tried } = await chooseEncoder('ffmpeg', '/dev/dri/renderD128');
    // This machine has no GPU: every listed hardware encoder is tried and fails.
    expect(encoder).toBe('libx264');
    expect(tried.every((t) => !t.ok)).toBe(true);
  }, 60_000);

  it('skips encoders FFmpeg does not list', async () => {
    const { encoder, tried } = await chooseEncoder('ffmpeg', '/dev/dri/renderD128', ' V....D libx264 H.264\n');
    expect(encoder).toBe('libx264');
    expect(tried).toEqual([]);
  });
});
