import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WORKSPACE_ROOT } from '@mediaplane/testing';

interface Manifest {
  name: string;
  main: string;
  dependencies: Record<string, string>;
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

// Reads what `npm run build` (nx run-many -t build) left in dist/deploy.
describe('the deployable bundle of an app (dist/deploy/<app>)', () => {
  const bundleDir = join(WORKSPACE_ROOT, 'dist', 'deploy', 'ingest');
  const rootPackage = readJson<{ dependencies: Record<string, string>; devDependencies: Record<string, string> }>(join(WORKSPACE_ROOT, 'package.json'));
  const lock = readJson<{ packages: Record<string, { version: string }> }>(join(WORKSPACE_ROOT, 'package-lock.json'));

  it('lists only runtime packages of the root package.json, at the versions installed from the lock', () => {
    const manifest = readJson<Manifest>(join(bundleDir, 'package.json'));
    expect(manifest).toMatchObject({ name: '@mediaplane/ingest', main: 'main.js' });
    const names = Object.keys(manifest.dependencies);
    expect(names).toEqual(
      expect.arrayContaining(['@nestjs/core', '@nestjs/platform-express', 'nats', 'ioredis', 'pino', 'prom-client', '@opentelemetry/sdk-trace-node']),
    );
    for (const name of names) {
      expect(rootPackage.dependencies[name]).toBeDefined();
      expect(manifest.dependencies[name]).toBe(lock.packages[`node_modules/${name}`]?.version);
    }
    // Packages other apps use (the SFU's WebRTC engines) or only the tooling uses stay out.
    for (const name of ['mediasoup', 'werift', 'sdp-transform', 'hls.js', 'jest', 'nx', '@nestjs/swagger', '@opentelemetry/sdk-node'])
      expect(names).not.toContain(name);
  });

  it('inlines the @mediaplane libraries and leaves npm packages as requires', () => {
    const code = readFileSync(join(bundleDir, 'main.js'), 'utf8');
    expect(code).not.toMatch(/require\(["']@mediaplane\//);
    expect(code).toMatch(/require\(["']nats["']\)/);
  });

  it('runs on its own: it loads every module it needs and validates the environment like the app', () => {
    // A bad port fails config validation, which runs after all modules have loaded: exit code 78 shows both.
    const result = spawnSync(process.execPath, [join(bundleDir, 'main.js')], {
      cwd: bundleDir,
      env: { PATH: process.env['PATH'] ?? '', INGEST_HTTP_PORT: 'not-a-port' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.stderr).toContain('INGEST_HTTP_PORT');
    expect(result.status).toBe(78);
  });

  it("ships an app's other programs beside main.js (--entry), runnable on their own: the transcode worker's E-RTMP push", () => {
    const push = join(WORKSPACE_ROOT, 'dist', 'deploy', 'transcode', 'e-rtmp-push-main.js');
    expect(readFileSync(push, 'utf8')).not.toMatch(/require\(["']@mediaplane\//);
    // The target comes on fd 3; one without a stream name is refused with a reason that quotes none of it.
    const result = spawnSync('bash', ['-c', `printf 'rtmp://127.0.0.1/secretapp' | "${process.execPath}" "${push}" 3<&0 </dev/null`], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe('no application and stream name in the path (rtmp://host/app/name)');
  });
});
