import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { freePorts, spawnTracked, stopProcess } from '@mediaplane/testing';
import { WORKSPACE, benchDir } from './bench-paths';
import { processGroupUsage, type Usage } from './proc-stats';
import { forgetPid, rememberPid } from './stale-processes';

const SOURCE = join(WORKSPACE, 'tools', 'bench', 'fanout', 'floor', 'flv-fanout-floor.c');
const BINARY_NAME = 'flv-fanout-floor';
/** The Node floor, compiled with the rest of tools/bench (this file's folder is common/). */
const NODE_FLOOR_SCRIPT = join(__dirname, '..', 'fanout', 'floor', 'flv-fanout-floor-node.js');

/** c: the C floor (epoll, write(2)); node: the same behaviour in Node (net sockets, socket.write). */
export type FloorImplementation = 'c' | 'node';

export interface FanoutFloorServer {
  /** HTTP-FLV viewers connect here. */
  readonly viewerPort: number;
  /** Its one publisher sends plain FLV (header, then tags) here. */
  readonly publishPort: number;
  usage(): Usage;
  /** Set once the floor has exited on its own (its publisher went away). */
  failure(): Error | undefined;
  stop(): Promise<void>;
}

/** Compiles the floor (tools/bench/fanout/floor) into tmp/bench/floor when the source is newer than the binary. */
function compileFloor(): string {
  const binary = join(benchDir('floor'), BINARY_NAME);
  if (existsSync(binary) && statSync(binary).mtimeMs >= statSync(SOURCE).mtimeMs) return binary;
  const cc = spawnSync('cc', ['-O2', '-Wall', '-Wextra', '-o', binary, SOURCE], { encoding: 'utf8' });
  if (cc.error || cc.status !== 0) {
    throw new Error(
      `could not compile the fan-out floor (${SOURCE}) with cc: ${cc.error?.message ?? cc.stderr.trim()}; install gcc (the set-up's ensure_srt_addon does), or run without "floor" in --servers`,
    );
  }
  return binary;
}

/** A floor on two free loopback ports, in its own process group. */
export async function startFanoutFloor(implementation: FloorImplementation): Promise<FanoutFloorServer> {
  // pidKey names the pid file; marker is what the stale-process clean-up looks for in the command line.
  const { command, args, pidKey, marker } =
    implementation === 'c'
      ? { command: compileFloor(), args: [], pidKey: 'floor', marker: BINARY_NAME }
      : { command: process.execPath, args: [NODE_FLOOR_SCRIPT], pidKey: 'nodefloor', marker: 'flv-fanout-floor-node' };
  const [viewerPort, publishPort] = (await freePorts(2)) as [number, number];
  const child = spawnTracked(command, [...args, String(viewerPort), String(publishPort)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const pgid = child.pid as number;
  rememberPid(pidKey, pgid, marker);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  let stopping = false;
  let exit: Error | undefined;
  child.once('exit', (code, signal) => {
    if (!stopping) exit = new Error(`the fan-out floor (${implementation}) exited (${code ?? signal}): ${stderr.trim()}`);
  });
  const stop = async (): Promise<void> => {
    stopping = true;
    await stopProcess(child, 5000);
    forgetPid(pidKey);
  };
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (d: Buffer) => d.toString().includes('listening') && resolve());
      child.once('exit', () => reject(exit ?? new Error('the fan-out floor was stopped before listening')));
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { viewerPort, publishPort, usage: () => processGroupUsage(pgid), failure: () => exit, stop };
}
