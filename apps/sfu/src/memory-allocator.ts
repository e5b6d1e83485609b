import { existsSync, readFileSync } from 'node:fs';

/**
 * The SFU runs on jemalloc wherever Debian's libjemalloc2 is installed.
 * Forwarding allocates per packet and viewer (the SRTP ciphertext and tag
 * Node's cipher returns, its cipher contexts): buffers of ~1.2 KB among
 * many small ones. Under glibc's malloc every such request first
 * consolidated the small chunks freed since the last one: `perf` put ~28 %
 * of a werift SFU's CPU in malloc/free (malloc_consolidate, unlink_chunk)
 * at 100 viewers. On jemalloc the same run served 211 viewers per core
 * instead of 127 (`sfu-fanout 50 100 --engines werift`, same session).
 *
 * The allocator is chosen when the process is loaded (LD_PRELOAD), so the
 * SFU starts itself again on it before anything else runs: the same
 * process (process.execve keeps its pid, stdio and arguments), whoever
 * launched it. SFU_MALLOC=system keeps glibc's. Its children are started
 * without it, as before (mediasoup's workers were measured on their own
 * allocator).
 */

/** Where Debian's libjemalloc2 puts the library, per architecture; /usr/local for images that link it there. */
const JEMALLOC_PATHS = ['/usr/local/lib/libjemalloc.so.2', '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2', '/usr/lib/aarch64-linux-gnu/libjemalloc.so.2'];

export type MallocChoice = 'auto' | 'jemalloc' | 'system';

export interface RestartPlan {
  /** The LD_PRELOAD to start again with. */
  preload: string;
}

/** Whether (and how) to start again on jemalloc; undefined: stay as this process is. */
export function jemallocRestartPlan(env: NodeJS.ProcessEnv, exists: (path: string) => boolean = existsSync): RestartPlan | undefined {
  const choice = (env['SFU_MALLOC'] ?? 'auto') as MallocChoice;
  if (choice === 'system') return undefined;
  const preloaded = env['LD_PRELOAD'] ?? '';
  // Already asked for (also when the loader could not preload it: no second attempt, no loop).
  if (preloaded.includes('jemalloc')) return undefined;
  const library = JEMALLOC_PATHS.find(exists);
  if (!library) {
    if (choice === 'jemalloc')
      throw new Error(`SFU_MALLOC=jemalloc but libjemalloc.so.2 is in none of ${JEMALLOC_PATHS.join(', ')} (Debian: apt-get install libjemalloc2)`);
    return undefined;
  }
  return { preload: preloaded ? `${preloaded}:${library}` : library };
}

/** The allocator this process runs on: jemalloc when its library is mapped. */
export function activeMemoryAllocator(maps: () => string = () => readFileSync('/proc/self/maps', 'utf8')): 'jemalloc' | 'system' {
  try {
    return maps().includes('libjemalloc') ? 'jemalloc' : 'system';
  } catch {
    return 'system';
  }
}

/**
 * Set on the restarted process to the LD_PRELOAD it was first started with
 * ('' for none): its children (mediasoup workers, FFmpeg) are started with
 * that, not with jemalloc, as they would be without this.
 */
const CHILD_PRELOAD_VARIABLE = 'SFU_MALLOC_CHILD_PRELOAD';

/** Starts this process again on jemalloc when the plan says so (see above); returns only when it does not. */
export function startOnJemalloc(env: NodeJS.ProcessEnv = process.env): void {
  const childPreload = env[CHILD_PRELOAD_VARIABLE];
  if (childPreload !== undefined) {
    if (childPreload) env['LD_PRELOAD'] = childPreload;
    else delete env['LD_PRELOAD'];
    delete env[CHILD_PRELOAD_VARIABLE];
    return;
  }
  const plan = jemallocRestartPlan(env);
  if (!plan || typeof process.execve !== 'function') return;
  process.execve(process.execPath, [process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    ...env,
    LD_PRELOAD: plan.preload,
    [CHILD_PRELOAD_VARIABLE]: env['LD_PRELOAD'] ?? '',
  });
}
