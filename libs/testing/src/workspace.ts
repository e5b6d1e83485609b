import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const WORKSPACE_ROOT = resolve(__dirname, '..', '..', '..');

/** Where spawned apps write their logs; the secret-leak test reads everything here. */
export function testLogDir(): string {
  const dir = process.env['MEDIAPLANE_TEST_LOG_DIR'] ?? join(WORKSPACE_ROOT, 'tmp', 'test-logs');
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  return dir;
}

export function distMain(app: string): string {
  const file = join(WORKSPACE_ROOT, 'dist', 'apps', app, 'src', 'main.js');
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` (the test command does) before integration tests`);
  return file;
}
