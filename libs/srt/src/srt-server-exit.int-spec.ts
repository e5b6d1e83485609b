import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnTracked, killAllChildren, srtConnectProbe, WORKSPACE_ROOT, waitFor } from '@mediaplane/testing';
import { ffmpegSrtPublish, srtCallerUrl } from '../test/srt-peers';

// The compiled library in its own Node process (as the apps run it): after close() with a live
// connection nothing may keep Node alive — no thread-safe function, thread or handle.
const CHILD = `
const { SrtServer } = require('@mediaplane/srt');
(async () => {
  const server = await SrtServer.listen({ host: '127.0.0.1', port: 0, latencyMs: 120, decisionTimeoutMs: 1000, maxConnections: 4 }, async () => ({ accept: true }));
  server.on('connection', (connection) => {
    connection.once('data', async () => {
      connection.on('close', (reason) => process.stdout.write('connection closed: ' + reason + '\\n'));
      await server.close();
      process.stdout.write('server closed\\n');
    });
  });
  process.stdout.write('port ' + server.port + '\\n');
})();
`;

// process.exit() with a server open, a live connection and a decision pending: libsrt's static
// teardown would deadlock with the waiting listen callback if the addon did not stop first.
const EXITING_CHILD = `
const { SrtServer } = require('@mediaplane/srt');
let live = false, pending = false;
const maybeExit = () => { if (live && pending) { process.stdout.write('exiting\\n'); process.exit(7); } };
(async () => {
  const server = await SrtServer.listen({ host: '127.0.0.1', port: 0, latencyMs: 120, decisionTimeoutMs: 20000, maxConnections: 4 }, async ({ streamId }) => {
    if (streamId !== 'live/hang') return { accept: true };
    pending = true;
    setTimeout(maybeExit, 200);
    return new Promise(() => undefined);
  });
  server.on('connection', (connection) => connection.once('data', () => { live = true; maybeExit(); }));
  process.stdout.write('port ' + server.port + '\\n');
})();
`;

function startChild(script: string) {
  const child = spawnTracked(process.execPath, ['--require', join(WORKSPACE_ROOT, 'tools', 'runtime', 'register-paths.cjs'), '-e', script], {
    cwd: WORKSPACE_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; at: number }>((resolve) => child.once('exit', (code) => resolve({ code, at: Date.now() })));
  return { output: () => output, exited };
}

function requireBuild(): void {
  const built = join(WORKSPACE_ROOT, 'dist', 'libs', 'srt', 'src', 'index.js');
  if (!existsSync(built)) throw new Error(`${built} is missing: run \`npm run build\` (the test command does) before integration tests`);
}

afterEach(() => killAllChildren());

describe('SrtServer process lifetime', () => {
  it('lets Node exit on its own once close() released a server with a live connection', async () => {
    requireBuild();
    const child = startChild(CHILD);
    const port = Number((await waitFor(() => /port (\d+)/.exec(child.output()), { what: 'the child server port' }))[1]);
    const publisher = ffmpegSrtPublish(srtCallerUrl(port, 'live/exit'), 30);
    await waitFor(() => child.output().includes('server closed'), { what: 'the child to close its server', timeoutMs: 30_000 });
    const closedAt = Date.now();
    const { code, at } = await child.exited;
    expect(child.output()).toContain('connection closed: server closed');
    expect(code).toBe(0);
    expect(at - closedAt).toBeLessThan(5000);
    await publisher.stop();
  });

  it('exits promptly on process.exit() with a live connection and a decision pending', async () => {
    requireBuild();
    const child = startChild(EXITING_CHILD);
    const port = Number((await waitFor(() => /port (\d+)/.exec(child.output()), { what: 'the child server port' }))[1]);
    const publisher = ffmpegSrtPublish(srtCallerUrl(port, 'live/exit'), 30);
    await waitFor(() => child.output().includes('port'), { what: 'the child' });
    const probe = srtConnectProbe(port, 'live/hang').catch(() => undefined);
    await waitFor(() => child.output().includes('exiting'), { what: 'the child to call process.exit', timeoutMs: 30_000 });
    const exitingAt = Date.now();
    const { code, at } = await child.exited;
    expect(code).toBe(7);
    expect(at - exitingAt).toBeLessThan(5000);
    await Promise.all([publisher.stop(), probe]);
  });
});
