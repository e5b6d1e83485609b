import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeAdbServer, encodeScreenrecordClip } from './fake-adb-server';
import { execFileAsync } from './ffmpeg';

const run = promisify(execFile);

/** The real adb client from Debian, pointed at the fake (never at a real server: -P is always given). */
async function adb(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('adb', ['-P', String(port), ...args], { timeout: 20_000 });
  return stdout;
}

/** Reads one length-prefixed message from a host-protocol socket. */
function readMessages(socket: net.Socket, onMessage: (m: string) => void): void {
  let buf = Buffer.alloc(0);
  socket.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    if (buf.subarray(0, 4).toString() === 'OKAY') buf = buf.subarray(4);
    while (buf.length >= 4) {
      const len = parseInt(buf.subarray(0, 4).toString(), 16);
      if (buf.length < 4 + len) return;
      onMessage(buf.subarray(4, 4 + len).toString());
      buf = buf.subarray(4 + len);
    }
  });
}

describe('FakeAdbServer', () => {
  let fake: FakeAdbServer;

  beforeEach(async () => {
    fake = await FakeAdbServer.start();
  });
  afterEach(async () => {
    await fake.close();
  });

  describe('with the real adb client', () => {
    it('lists plugged devices with their model (adb devices -l)', async () => {
      fake.plug('FAKE0001', { model: 'Pixel 7' });
      fake.plug('emulator-5554', { model: 'sdk gphone64' });
      const out = await adb(fake.port, 'devices', '-l');
      expect(out).toMatch(/^List of devices attached\n/);
      expect(out).toMatch(/^FAKE0001\s+device .*model:Pixel_7 .*transport_id:1$/m);
      expect(out).toMatch(/^emulator-5554\s+device .*model:sdk_gphone64 /m);
    });

    it('runs shell commands on the chosen device (adb -s … shell getprop / wm size)', async () => {
      fake.plug('FAKE0001', { model: 'Pixel 7', width: 720, height: 1600 });
      fake.plug('FAKE0002', { model: 'Galaxy S23' });
      expect(await adb(fake.port, '-s', 'FAKE0002', 'shell', 'getprop', 'ro.product.model')).toBe('Galaxy S23\n');
      expect(await adb(fake.port, '-s', 'FAKE0001', 'shell', 'wm', 'size')).toBe('Physical size: 720x1600\n');
      // With shell_v2 advertised the client uses the v2 framing; exec-out uses exec:.
      expect(fake.requests).toContain('shell,v2,TERM=xterm,raw:getprop ro.product.model');
      expect(await adb(fake.port, '-s', 'FAKE0001', 'exec-out', 'getprop', 'ro.product.model')).toBe('Pixel 7\n');
    });

    it('records input commands with their words and time', async () => {
      fake.plug('FAKE0001');
      const before = Date.now();
      await adb(fake.port, '-s', 'FAKE0001', 'shell', "input text 'it'\\''s me'");
      await adb(fake.port, '-s', 'FAKE0001', 'shell', 'input tap 10 20');
      const inputs = fake.inputCommands('FAKE0001');
      expect(inputs.map((i) => i.argv)).toEqual([
        ['input', 'text', "it's me"],
        ['input', 'tap', '10', '20'],
      ]);
      expect(inputs[0]?.at).toBeGreaterThanOrEqual(before);
    });

    it('reports an unknown device like the real server', async () => {
      await expect(adb(fake.port, '-s', 'NOPE', 'shell', 'true')).rejects.toThrow(/device 'NOPE' not found/);
    });

    it('returns a PNG for screencap -p (exec-out) that is turned with the device', async () => {
      fake.plug('FAKE0001', { width: 320, height: 640 });
      fake.rotate('FAKE0001', 90);
      const { stdout } = await run('bash', ['-c', `adb -P ${fake.port} -s FAKE0001 exec-out screencap -p | ffprobe -v error -show_entries stream=codec_name,width,height -of csv=p=0 -`]);
      expect(stdout.trim()).toBe('png,640,320');
    });
  });

  describe('host:track-devices', () => {
    it('pushes the device list on every plug and unplug', async () => {
      const socket = net.connect(fake.port, '127.0.0.1');
      const lists: string[] = [];
      readMessages(socket, (m) => lists.push(m));
      socket.write(request('host:track-devices'));
      await waitLength(lists, 1);
      fake.plug('A1');
      await waitLength(lists, 2);
      fake.plug('B2', { state: 'unauthorized' });
      await waitLength(lists, 3);
      fake.unplug('A1');
      await waitLength(lists, 4);
      socket.destroy();
      expect(lists).toEqual(['', 'A1\tdevice\n', 'A1\tdevice\nB2\tunauthorized\n', 'B2\tunauthorized\n']);
    });
  });

  describe('screenrecord --output-format=h264', () => {
    it('streams decodable H.264 of the requested size and ends at the time limit', async () => {
      fake.plug('FAKE0001', { width: 320, height: 640, fps: 15, screenrecordTimeLimitS: 2 });
      const started = Date.now();
      const { stdout } = await execFileAsync(
        'bash',
        ['-c', `adb -P ${fake.port} -s FAKE0001 exec-out screenrecord --output-format=h264 --size 160x320 --bit-rate 500000 - | ffprobe -v error -count_frames -show_entries stream=codec_name,width,height,nb_read_frames -of csv=p=0 -f h264 -`],
        { timeout: 30_000 },
      );
      const [codec, width, height, frames] = stdout.trim().split(',');
      expect([codec, width, height]).toEqual(['h264', '160', '320']);
      // 2 s at 15 fps, in real time.
      expect(Number(frames)).toBeGreaterThanOrEqual(25);
      expect(Number(frames)).toBeLessThanOrEqual(31);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1800);
      expect(fake.screenrecordRuns('FAKE0001')[0]?.endReason).toBe('time-limit');
    });

    it('plays a pre-encoded clip instead, looped in real time and copied (the clip\'s size, not --size)', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'fake-adb-clip-'));
      try {
        // A 1 s clip looped for a 3 s time limit: the loop must not end the stream nor speed it up.
        const clip = await encodeScreenrecordClip(join(dir, 'screen.ts'), { width: 320, height: 176, fps: 15, seconds: 1, bitrateKbps: 300 });
        fake.plug('FAKE0001', { fps: 15, screenrecordTimeLimitS: 3, screenrecordClip: clip });
        const started = Date.now();
        const { stdout } = await execFileAsync(
          'bash',
          ['-c', `adb -P ${fake.port} -s FAKE0001 exec-out screenrecord --output-format=h264 --size 160x320 - | ffprobe -v error -count_frames -show_entries stream=codec_name,width,height,nb_read_frames -of csv=p=0 -f h264 -`],
          { timeout: 30_000 },
        );
        const [codec, width, height, frames] = stdout.trim().split(',');
        expect([codec, width, height]).toEqual(['h264', '320', '176']);
        expect(Number(frames)).toBeGreaterThanOrEqual(40);
        expect(Number(frames)).toBeLessThanOrEqual(47);
        expect(Date.now() - started).toBeGreaterThanOrEqual(2700);
        expect(fake.screenrecordRuns('FAKE0001')[0]?.endReason).toBe('time-limit');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('is "not found" on a device configured without it', async () => {
      fake.plug('FAKE0001', { screenrecord: false });
      const { stdout, code } = await run('bash', ['-c', `adb -P ${fake.port} -s FAKE0001 shell screenrecord --output-format=h264 - ; echo "rc=$?"`]).then((r) => ({ stdout: r.stdout, code: 0 }));
      expect(code).toBe(0);
      expect(stdout).toMatch(/rc=127/);
    });

    it('cuts the stream when the device is unplugged', async () => {
      fake.plug('FAKE0001', { width: 160, height: 320, fps: 10 });
      const socket = net.connect(fake.port, '127.0.0.1');
      let bytes = 0;
      socket.on('data', (d: Buffer) => (bytes += d.length));
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.write(request('host:transport:FAKE0001') + request('exec:screenrecord --output-format=h264 -'));
      await waitUntil(() => bytes > 1000);
      fake.unplug('FAKE0001');
      await closed;
    });
  });
  describe('sync: (adb push)', () => {
    let dir: string;

    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'fake-adb-sync-'));
    });
    afterEach(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    /** `adb push` with the real client. */
    async function push(serial: string, content: Buffer, remote: string): Promise<void> {
      const local = join(dir, `push-${randomBytes(4).toString('hex')}`);
      writeFileSync(local, content);
      await adb(fake.port, '-s', serial, 'push', local, remote);
    }

    it('stores what adb push sends (SEND, DATA chunks of 64 KiB, DONE) and answers STAT', async () => {
      fake.plug('FAKE0001');
      const big = randomBytes(200_000); // 4 DATA chunks
      await push('FAKE0001', big, '/data/local/tmp/big.bin');
      expect(fake.file('FAKE0001', '/data/local/tmp/big.bin')?.equals(big)).toBe(true);
      // A directory target: the client STATs it, sees a directory and appends the file name.
      await push('FAKE0001', Buffer.from('second'), '/data/local/tmp/');
      expect([...fake.requests].filter((r) => r === 'sync:').length).toBe(2);
      expect(fake.file('FAKE0001', '/data/local/tmp/big.bin')?.length).toBe(200_000);
      expect(fake.file('FAKE0001', '/data/local/tmp/nope')).toBeUndefined();
    });
  });

});

function request(service: string): string {
  return service.length.toString(16).padStart(4, '0') + service;
}

async function waitLength(list: unknown[], n: number): Promise<void> {
  await waitUntil(() => list.length >= n);
}

async function waitUntil(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
