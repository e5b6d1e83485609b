import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { parseMachineBusyTicks, parseProcStat, parseWriteSyscalls, processGroupUsage, processUsage, threadGroupOf } from './proc-stats';

describe('parseProcStat', () => {
  it('reads pid, parent, group, CPU ticks and RSS pages', () => {
    const line = '4242 (node) S 1 4242 4242 0 -1 4194560 12 0 0 0 150 37 0 0 20 0 11 0 1234 987654321 5120 18446744073709551615';
    expect(parseProcStat(line)).toEqual({ pid: 4242, comm: 'node', ppid: 1, pgrp: 4242, utimeTicks: 150, stimeTicks: 37, rssPages: 5120 });
  });

  describe('when the command name contains spaces and parentheses', () => {
    it('counts fields from the last closing parenthesis', () => {
      const line = '7 (nginx: worker (x) y) R 6 6 6 0 -1 0 0 0 0 0 9 1 0 0 20 0 1 0 55 1000 300 0';
      expect(parseProcStat(line)).toMatchObject({ pid: 7, comm: 'nginx: worker (x) y', ppid: 6, pgrp: 6, utimeTicks: 9, stimeTicks: 1, rssPages: 300 });
    });
  });

  it('rejects text that is not a stat line', () => {
    expect(() => parseProcStat('hello')).toThrow(/not a \/proc/);
  });
});

describe('process usage from /proc', () => {
  it('sees this process: some CPU time spent and a plausible resident size', () => {
    let x = 0;
    for (let i = 0; i < 2e7; i++) x += i % 7;
    expect(x).toBeGreaterThan(0);
    const usage = processUsage(process.pid);
    expect(usage.pids).toEqual([process.pid]);
    expect(usage.cpuSeconds).toBeGreaterThan(0);
    expect(usage.rssBytes).toBeGreaterThan(10 * 1024 * 1024);
  });

  it('sums a whole process group and finds nothing for a group that does not exist', () => {
    const pgrp = parseProcStat(readFileSync('/proc/self/stat', 'utf8')).pgrp;
    expect(processGroupUsage(pgrp).pids.length).toBeGreaterThanOrEqual(1);
    expect(processGroupUsage(2 ** 22 + 12345).pids).toEqual([]);
  });

  it("counts a process group's write system calls", () => {
    const pgrp = parseProcStat(readFileSync('/proc/self/stat', 'utf8')).pgrp;
    const before = processGroupUsage(pgrp).writeSyscalls;
    expect(before).toEqual(expect.any(Number));
    const fd = openSync('/dev/null', 'w');
    try {
      for (let i = 0; i < 50; i++) writeSync(fd, 'x');
    } finally {
      closeSync(fd);
    }
    expect((processGroupUsage(pgrp).writeSyscalls ?? 0) - (before ?? 0)).toBeGreaterThanOrEqual(50);
  });

  it("puts a process group's CPU on its main threads when JavaScript keeps them busy", () => {
    const pgrp = parseProcStat(readFileSync('/proc/self/stat', 'utf8')).pgrp;
    const before = processGroupUsage(pgrp).threadCpuSeconds;
    // 300 ms of this thread's own CPU time, however busy the machine.
    const start = process.cpuUsage();
    let x = 0;
    while (process.cpuUsage(start).user < 300_000) x += Math.sqrt(x + 1);
    expect(x).toBeGreaterThan(0);
    const after = processGroupUsage(pgrp).threadCpuSeconds;
    expect(before).toBeDefined();
    expect((after?.main ?? 0) - (before?.main ?? 0)).toBeGreaterThanOrEqual(0.25);
  });
});

describe('threadGroupOf', () => {
  it("takes the thread whose id is the process's for the main thread", () => {
    expect(threadGroupOf(4242, 4242, 'node')).toBe('main');
  });

  it("takes Node's names for V8's platform threads as V8's, and any other thread as other", () => {
    expect(threadGroupOf(4242, 4243, 'V8Worker')).toBe('v8');
    expect(threadGroupOf(4242, 4244, 'DelayedTaskSche')).toBe('v8');
    expect(threadGroupOf(4242, 4245, 'libuv-worker')).toBe('other');
    expect(threadGroupOf(4242, 4246, 'SRT:RcvQ:w1')).toBe('other');
  });
});

describe('parseWriteSyscalls', () => {
  it('reads syscw from /proc/<pid>/io', () => {
    expect(parseWriteSyscalls('rchar: 6976\nwchar: 0\nsyscr: 10\nsyscw: 42\nread_bytes: 0\n')).toBe(42);
  });

  it('gives undefined when the line is missing', () => {
    expect(parseWriteSyscalls('rchar: 1\n')).toBeUndefined();
  });
});

describe('parseMachineBusyTicks', () => {
  it('adds user, nice, system, irq, softirq and steal, leaving out idle and iowait', () => {
    expect(parseMachineBusyTicks('cpu  100 5 50 9999 77 3 2 1 0 0')).toBe(161);
  });

  it('rejects a per-core or foreign line', () => {
    expect(() => parseMachineBusyTicks('cpu0 1 2 3 4')).toThrow(/aggregate/);
  });
});
