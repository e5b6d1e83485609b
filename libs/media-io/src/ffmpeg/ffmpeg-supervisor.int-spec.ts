import { spawn } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { WORKSPACE_ROOT, execFileAsync, ffprobe, freePort, sleep, waitFor } from '@mediaplane/testing';
import { FfmpegSupervisor, type FfmpegRunExit } from './ffmpeg-supervisor';
import { liveFfmpegGroups } from './ffmpeg-process';
import type { FfmpegProgress } from './ffmpeg-progress';

const PROGRESS = ['-progress', 'pipe:1', '-nostats'];
const lavfi = (extra: string[] = []) => ['-hide_banner', '-nostdin', '-loglevel', 'error', ...extra, '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=10'];

function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function collect(supervisor: FfmpegSupervisor): { exits: FfmpegRunExit[]; progress: FfmpegProgress[]; pids: Array<number | undefined>; restarts: number[] } {
  const state = { exits: [] as FfmpegRunExit[], progress: [] as FfmpegProgress[], pids: [] as Array<number | undefined>, restarts: [] as number[] };
  supervisor.on('exit', (e) => state.exits.push(e));
  supervisor.on('progress', (p) => state.progress.push(p));
  supervisor.on('spawn', ({ pid }) => state.pids.push(pid));
  supervisor.on('restart', ({ delayMs }) => state.restarts.push(delayMs));
  return state;
}

/** A TCP server that accepts and then says nothing: FFmpeg's input probe hangs on it. */
async function silentServer(): Promise<{ url: string; server: Server; sockets: Socket[] }> {
  const port = await freePort();
  const sockets: Socket[] = [];
  const server = createServer((s) => sockets.push(s));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `tcp://127.0.0.1:${port}`, server, sockets };
}

jest.setTimeout(60_000);

describe('FfmpegSupervisor', () => {
  let supervisor: FfmpegSupervisor | undefined;
  afterEach(async () => {
    await supervisor?.stop();
    supervisor = undefined;
  });
  afterAll(() => expect(liveFfmpegGroups()).toEqual([]));

  it('parses progress and finishes when the input ends and no restart is wanted', async () => {
    supervisor = new FfmpegSupervisor({
      prepareRun: () => ({ args: [...lavfi(), '-t', '2', '-f', 'null', '-', ...PROGRESS] }),
      stallTimeoutMs: 10_000,
      shouldRestart: () => false,
    });
    const seen = collect(supervisor);
    const done = new Promise((resolve) => supervisor?.once('done', resolve));
    supervisor.start();
    await done;
    expect(seen.exits).toEqual([expect.objectContaining({ run: 0, reason: 'ended', code: 0 })]);
    expect(seen.progress.at(-1)).toMatchObject({ ended: true, frame: 20 });
    expect(seen.progress.at(-1)?.outTimeUs).toBeGreaterThan(1_800_000);
  });

  it('pipes stdin and extra input pipes into one run: video on pipe:0, audio on pipe:3', async () => {
    const video = (
      await execFileAsync('ffmpeg', [...lavfi(), '-t', '1', '-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'h264', '-'], {
        encoding: 'buffer',
        maxBuffer: 1 << 24,
      })
    ).stdout as unknown as Buffer;
    // One second of 48 kHz stereo s16le: a constant, non-silent level.
    const audio = Buffer.alloc(48_000 * 4, 0x10);
    const out = join(tmpdir(), `supervisor-pipes-${process.pid}.mkv`);
    supervisor = new FfmpegSupervisor({
      prepareRun: () => ({
        args: [
          '-hide_banner',
          '-loglevel',
          'error',
          '-f',
          'h264',
          '-i',
          'pipe:0',
          '-f',
          's16le',
          '-ar',
          '48000',
          '-ac',
          '2',
          '-i',
          'pipe:3',
          '-c',
          'copy',
          '-y',
          out,
          ...PROGRESS,
        ],
        stdin: Readable.from([video]),
        inputPipes: [Readable.from([audio])],
      }),
      stallTimeoutMs: 10_000,
      shouldRestart: () => false,
    });
    const done = new Promise((resolve) => supervisor?.once('done', resolve));
    supervisor.start();
    await done;
    const probed = await ffprobe(out);
    expect(probed.streams.map((st) => st.codec_type).sort()).toEqual(['audio', 'video']);
    rmSync(out, { force: true });
  });

  describe('when FFmpeg crashes', () => {
    it('restarts it with growing, capped delays', async () => {
      let runs = 0;
      supervisor = new FfmpegSupervisor({
        prepareRun: () => ({ args: ['-hide_banner', '-nostdin', '-i', '/nonexistent/input.flv', '-f', 'null', '-', ...PROGRESS] }),
        stallTimeoutMs: 10_000,
        backoff: { initialMs: 100, maxMs: 400 },
        shouldRestart: () => ++runs < 5,
      });
      const seen = collect(supervisor);
      const done = new Promise((resolve) => supervisor?.once('done', resolve));
      supervisor.start();
      await done;
      expect(seen.exits.map((e) => e.reason)).toEqual(['crashed', 'crashed', 'crashed', 'crashed', 'crashed']);
      expect(seen.exits[0]?.stderrTail.join('\n')).toMatch(/No such file or directory/);
      expect(seen.restarts).toHaveLength(4);
      const [a, b, c, d] = seen.restarts as [number, number, number, number];
      expect(a).toBeGreaterThanOrEqual(50);
      expect(a).toBeLessThanOrEqual(100);
      expect(b).toBeGreaterThanOrEqual(100);
      expect(c).toBeGreaterThanOrEqual(200);
      expect(d).toBeLessThanOrEqual(400);
    });
  });

  describe('when the input never delivers (stall during the probe)', () => {
    it('kills FFmpeg after the start timeout and tries again', async () => {
      const silent = await silentServer();
      try {
        supervisor = new FfmpegSupervisor({
          prepareRun: () => ({ args: ['-hide_banner', '-nostdin', '-f', 'flv', '-i', silent.url, '-f', 'null', '-', ...PROGRESS] }),
          stallTimeoutMs: 600,
          startTimeoutMs: 1200,
          backoff: { initialMs: 50, maxMs: 50 },
        });
        const seen = collect(supervisor);
        const started = Date.now();
        supervisor.start();
        await waitFor(() => seen.exits.length >= 2, { timeoutMs: 15_000, what: 'two stalled runs' });
        expect(Date.now() - started).toBeGreaterThanOrEqual(2400);
        expect(seen.exits.slice(0, 2).map((e) => e.reason)).toEqual(['stalled', 'stalled']);
        expect(alive(seen.pids[0])).toBe(false);
      } finally {
        for (const s of silent.sockets) s.destroy();
        silent.server.close();
      }
    });
  });

  describe('when the input stops mid-stream', () => {
    it('detects that the output time stopped advancing', async () => {
      // A few seconds of FLV arrive in real time, then the connection stays open and silent.
      const port = await freePort();
      const sockets: Socket[] = [];
      let sent = 0;
      const server = createServer((socket) => {
        sockets.push(socket);
        const source = spawn('ffmpeg', [...lavfi(['-re']), '-t', '4', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10', '-f', 'flv', 'pipe:1'], {
          stdio: ['ignore', 'pipe', 'ignore'],
        });
        source.stdout.on('data', (chunk: Buffer) => {
          sent += chunk.length;
          socket.write(chunk);
        });
        socket.on('close', () => source.kill('SIGKILL'));
      });
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      try {
        supervisor = new FfmpegSupervisor({
          prepareRun: () => ({
            args: ['-hide_banner', '-nostdin', '-analyzeduration', '1000000', '-f', 'flv', '-i', `tcp://127.0.0.1:${port}`, '-f', 'null', '-', ...PROGRESS],
          }),
          stallTimeoutMs: 1500,
          startTimeoutMs: 10_000,
          shouldRestart: () => false,
        });
        const seen = collect(supervisor);
        const done = new Promise((resolve) => supervisor?.once('done', resolve));
        supervisor.start();
        await done;
        expect(sent).toBeGreaterThan(0);
        expect(seen.progress.some((p) => (p.outTimeUs ?? 0) > 500_000)).toBe(true);
        expect(seen.exits).toEqual([expect.objectContaining({ reason: 'stalled' })]);
      } finally {
        for (const s of sockets) s.destroy();
        server.close();
      }
    });
  });

  it('stops with SIGTERM and leaves no process behind', async () => {
    supervisor = new FfmpegSupervisor({
      prepareRun: () => ({ args: [...lavfi(['-re']), '-f', 'null', '-', ...PROGRESS] }),
      stallTimeoutMs: 10_000,
    });
    const seen = collect(supervisor);
    supervisor.start();
    await waitFor(() => seen.progress.length > 0, { what: 'first progress' });
    const pid = seen.pids[0];
    expect(alive(pid)).toBe(true);
    const before = Date.now();
    await supervisor.stop();
    expect(Date.now() - before).toBeLessThan(3000);
    expect(seen.exits).toEqual([expect.objectContaining({ reason: 'stopped' })]);
    expect(alive(pid)).toBe(false);
    expect(supervisor.running).toBe(false);
  });

  it('takes FFmpeg down with it when its own process is SIGKILLed', async () => {
    // Loaded as the apps load the compiled libraries: with @mediaplane/* resolved to dist (media-io imports codecs).
    const registerPaths = join(WORKSPACE_ROOT, 'tools/runtime/register-paths.cjs');
    const child = spawn(process.execPath, ['--require', registerPaths, join(__dirname, 'testing', 'supervisor-child.fixture.cjs')], {
      env: { ...process.env, MEDIAPLANE_DIST_ROOT: join(WORKSPACE_ROOT, 'dist') },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const pid = Number((await waitFor(() => /ffmpeg-pid=(\d+)/.exec(out), { what: 'ffmpeg pid from the child' }))[1]);
      await sleep(300);
      expect(alive(pid)).toBe(true);
      child.kill('SIGKILL');
      await waitFor(() => !alive(pid), { timeoutMs: 5000, what: 'the orphaned ffmpeg to die' });
    } finally {
      child.kill('SIGKILL');
    }
  });
});
