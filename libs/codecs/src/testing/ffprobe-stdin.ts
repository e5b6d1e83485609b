import { spawn } from 'node:child_process';

/**
 * Real ffprobe at `-v error` reading `input` from stdin with the given
 * arguments and `-of json`: its parsed output. Anything on stderr, or a
 * non-zero exit, rejects with what ffprobe said.
 */
export function ffprobeStdin<T>(input: Buffer, args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffprobe', ['-v', 'error', ...args, '-of', 'json', 'pipe:0'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0 || stderr !== '') return reject(new Error(`ffprobe exited ${code}: ${stderr}`));
      resolve(JSON.parse(stdout) as T);
    });
    child.stdin.on('error', () => undefined); // ffprobe may stop reading early; its exit code tells
    child.stdin.end(input);
  });
}
