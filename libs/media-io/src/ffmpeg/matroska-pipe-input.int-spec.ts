import { execFileSync, spawnSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { matroskaPipeInput } from './matroska-pipe-input';

/** A pull whose body is `chunks`, written one by one, and whether it was closed. */
function fakePull(chunks: Buffer[]): { input: { stream: PassThrough; close: () => void }; closed: () => boolean } {
  const stream = new PassThrough();
  let closed = false;
  setImmediate(() => {
    for (const chunk of chunks) stream.write(chunk);
    stream.end();
  });
  return { input: { stream, close: () => (closed = true) }, closed: () => closed };
}

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

describe('matroskaPipeInput (read back by the real ffprobe)', () => {
  it('remuxes an FLV pull, in whatever pieces it comes, into Matroska with both tracks and every frame', async () => {
    const flv = execFileSync('ffmpeg', [
      '-hide_banner',
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=320x180:rate=25',
      '-f',
      'lavfi',
      '-i',
      'sine=sample_rate=48000',
      '-t',
      '1',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-c:a',
      'aac',
      '-f',
      'flv',
      'pipe:1',
    ]);
    const pieces = Array.from({ length: Math.ceil(flv.length / 777) }, (_, i) => flv.subarray(i * 777, (i + 1) * 777));
    const mkv = await collect(matroskaPipeInput(fakePull(pieces).input).stream);
    const probe = spawnSync(
      'ffprobe',
      ['-v', 'error', '-f', 'matroska', '-count_frames', '-show_entries', 'stream=codec_name,nb_read_frames,width', '-of', 'json', 'pipe:0'],
      { input: mkv },
    );
    expect(probe.stderr.toString()).toBe('');
    const streams = (JSON.parse(probe.stdout.toString()) as { streams: Array<{ codec_name: string; nb_read_frames: string; width?: number }> }).streams;
    expect(streams.map((s) => [s.codec_name, s.width])).toEqual([
      ['h264', 320],
      ['aac', undefined],
    ]);
    expect(Number(streams[0]?.nb_read_frames)).toBe(25);
  });

  it('ends the stream and closes the pull when the body is not FLV', async () => {
    const pull = fakePull([Buffer.from('<html>not a stream</html>')]);
    expect(await collect(matroskaPipeInput(pull.input).stream)).toHaveLength(0);
    expect(pull.closed()).toBe(true);
  });
});
