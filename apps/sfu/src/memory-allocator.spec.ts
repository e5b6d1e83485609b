import { activeMemoryAllocator, jemallocRestartPlan, startOnJemalloc } from './memory-allocator';

const DEBIAN_AMD64 = '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2';
const installed = (path: string) => path === DEBIAN_AMD64;
const absent = () => false;

describe('jemallocRestartPlan', () => {
  it('starts again with the installed library preloaded by default', () => {
    expect(jemallocRestartPlan({}, installed)).toEqual({ preload: DEBIAN_AMD64 });
    expect(jemallocRestartPlan({ SFU_MALLOC: 'jemalloc' }, installed)).toEqual({ preload: DEBIAN_AMD64 });
  });

  it('keeps what was already preloaded, after it', () => {
    expect(jemallocRestartPlan({ LD_PRELOAD: '/opt/trace.so' }, installed)).toEqual({ preload: `/opt/trace.so:${DEBIAN_AMD64}` });
  });

  it('does not start again once jemalloc is asked for, so there is no loop even when the loader could not load it', () => {
    expect(jemallocRestartPlan({ LD_PRELOAD: DEBIAN_AMD64 }, installed)).toBeUndefined();
    expect(jemallocRestartPlan({ LD_PRELOAD: '/elsewhere/libjemalloc.so.2' }, absent)).toBeUndefined();
  });

  it('stays on the system allocator when told to, or when jemalloc is not installed and not required', () => {
    expect(jemallocRestartPlan({ SFU_MALLOC: 'system' }, installed)).toBeUndefined();
    expect(jemallocRestartPlan({}, absent)).toBeUndefined();
  });

  it('fails the start with the package to install when jemalloc is required and missing', () => {
    expect(() => jemallocRestartPlan({ SFU_MALLOC: 'jemalloc' }, absent)).toThrow(/libjemalloc2/);
  });
});

describe('activeMemoryAllocator', () => {
  it('reads the allocator from the libraries mapped into the process', () => {
    expect(activeMemoryAllocator(() => `7f00-7f10 r-xp 00000000 08:01 1 ${DEBIAN_AMD64}\n`)).toBe('jemalloc');
    expect(activeMemoryAllocator(() => '7f00-7f10 r-xp 00000000 08:01 1 /usr/lib/x86_64-linux-gnu/libc.so.6\n')).toBe('system');
    expect(
      activeMemoryAllocator(() => {
        throw new Error('no /proc');
      }),
    ).toBe('system');
  });
});

describe('startOnJemalloc, in the process it started again', () => {
  it('gives children back the preload the SFU was first started with, and does not start again', () => {
    const execve = jest.spyOn(process, 'execve').mockImplementation(() => {
      throw new Error('must not start again');
    });
    try {
      const env: NodeJS.ProcessEnv = { LD_PRELOAD: `/opt/trace.so:${DEBIAN_AMD64}`, SFU_MALLOC_CHILD_PRELOAD: '/opt/trace.so' };
      startOnJemalloc(env);
      expect(env).toEqual({ LD_PRELOAD: '/opt/trace.so' });
      const bare: NodeJS.ProcessEnv = { LD_PRELOAD: DEBIAN_AMD64, SFU_MALLOC_CHILD_PRELOAD: '' };
      startOnJemalloc(bare);
      expect(bare).toEqual({});
      expect(execve).not.toHaveBeenCalled();
    } finally {
      execve.mockRestore();
    }
  });
});
