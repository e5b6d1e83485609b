// A libsrt caller (srt-connect-probe.py, through ctypes on Debian's libsrt) that connects once,
// reports how the listener answered (with its reject code, which FFmpeg and srt-live-transmit do
// not print) and closes at once: the caller that leaves right after its handshake.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { WORKSPACE_ROOT } from './workspace';

export type SrtProbeResult = { result: 'connected' } | { result: 'rejected'; code: number; reason: string; error: string };

/** From the sources, so that it is found from compiled code too. */
const SCRIPT = join(WORKSPACE_ROOT, 'libs', 'testing', 'src', 'srt-connect-probe.py');

/** Connects once to 127.0.0.1:port with `streamId` (and a passphrase), then closes; resolves with the listener's answer. */
export function srtConnectProbe(port: number, streamId: string, passphrase?: string): Promise<SrtProbeResult> {
  return new Promise((resolve, reject) => {
    execFile('python3', [SCRIPT, '127.0.0.1', String(port), streamId, ...(passphrase ? [passphrase] : [])], { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`srt-connect-probe failed: ${error.message} ${stderr}`));
      else resolve(JSON.parse(stdout.trim()) as SrtProbeResult);
    });
  });
}
