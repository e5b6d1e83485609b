import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { h264NaluType, parseH264Sps, splitAnnexBNalus } from '@mediaplane/codecs';
import { FakeAdbServer, encodeScreenrecordClip, fakeScrcpyServerJar } from './fake-adb-server';
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
  describe('scrcpy-server 3.3.1 (sync:, localabstract:, app_process)', () => {
    const JAR = '/data/local/tmp/scrcpy-server.jar';
    let dir: string;

    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'fake-adb-scrcpy-'));
    });
    afterEach(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    /** `adb push` with the real client, as scrcpy's client installs its server. */
    async function push(serial: string, content: Buffer, remote = JAR): Promise<void> {
      const local = join(dir, `push-${randomBytes(4).toString('hex')}`);
      writeFileSync(local, content);
      await adb(fake.port, '-s', serial, 'push', local, remote);
    }

    function serverCommand(clientVersion: string, ...options: string[]): string {
      return `CLASSPATH=${JAR} app_process / com.genymobile.scrcpy.Server ${clientVersion} ${options.join(' ')}`;
    }

    it('stores what adb push sends (SEND, DATA chunks of 64 KiB, DONE) and answers STAT', async () => {
      fake.plug('FAKE0001');
      const big = randomBytes(200_000); // 4 DATA chunks
      await push('FAKE0001', big, '/data/local/tmp/big.bin');
      expect(fake.file('FAKE0001', '/data/local/tmp/big.bin')?.equals(big)).toBe(true);
      // A directory target: the client STATs it, sees a directory and appends the file name.
      await push('FAKE0001', fakeScrcpyServerJar('3.3.1'), '/data/local/tmp/');
      expect([...fake.requests].filter((r) => r === 'sync:').length).toBe(2);
      expect(fake.file('FAKE0001', '/data/local/tmp/big.bin')?.length).toBe(200_000);
      expect(fake.file('FAKE0001', '/data/local/tmp/nope')).toBeUndefined();
    });

    it('streams video and takes control like the real server: accept order, metas, config + key frame, RESET_VIDEO, rotation', async () => {
      fake.plug('FAKE0001', { model: 'Pixel 7', width: 320, height: 640, fps: 15 });
      await push('FAKE0001', fakeScrcpyServerJar('3.3.1'));
      expect(fake.file('FAKE0001', JAR)).toEqual(fakeScrcpyServerJar('3.3.1'));
      const shell = await openService(fake.port, 'FAKE0001', `exec:${serverCommand('3.3.1', 'scid=0badc0de', 'log_level=info', 'audio=false', 'tunnel_forward=true', 'max_size=200', 'video_bit_rate=500000')}`);
      // The server listens only after its start-up: the client retries until localabstract: stops failing.
      const video = await connectRetrying(fake.port, 'FAKE0001', 'scrcpy_0badc0de');
      const control = await connectRetrying(fake.port, 'FAKE0001', 'scrcpy_0badc0de');
      expect((await video.read(1))[0]).toBe(0); // the dummy byte, on the first socket only
      const name = await video.read(64);
      expect(name.subarray(0, 7).toString()).toBe('Pixel 7');
      expect(name.subarray(7).every((b) => b === 0)).toBe(true);
      // 320x640 limited to 200 keeps the ratio (100x200), then round8 rounds the smaller side to the nearest multiple of 8.
      const meta = await video.read(12);
      expect([meta.readUInt32BE(0).toString(16), meta.readUInt32BE(4), meta.readUInt32BE(8)]).toEqual(['68323634', 104, 200]);

      const config = await readPacket(video);
      expect(config.ptsAndFlags).toBe(1n << 63n);
      expect(config.data.subarray(0, 4)).toEqual(Buffer.from([0, 0, 0, 1]));
      expect(naluTypes(config.data)).toEqual([7, 8]);
      expect(parseH264Sps(splitAnnexBNalus(config.data)[0] as Buffer)).toMatchObject({ width: 104, height: 200 });
      const key = await readPacket(video);
      expect(key.ptsAndFlags & (3n << 62n)).toBe(1n << 62n);
      expect(key.data.subarray(0, 4)).toEqual(Buffer.from([0, 0, 0, 1]));
      expect(new Set(naluTypes(key.data))).toEqual(new Set([5]));
      const next = await readPacket(video);
      expect(next.ptsAndFlags >> 62n).toBe(0n);
      // 15 fps: the next frame is ~66.7 ms later on the device clock.
      expect(Number(next.ptsAndFlags - (key.ptsAndFlags & ~(1n << 62n)))).toBeGreaterThan(50_000);
      expect(naluTypes(next.data)).toContain(1);

      // RESET_VIDEO restarts the encoder: a new config packet, then a key frame; no new codec meta.
      control.socket.write(Buffer.from([17]));
      const afterReset = await readUntilConfig(video);
      expect(naluTypes(afterReset.data)).toEqual([7, 8]);
      expect((await readPacket(video)).ptsAndFlags >> 62n).toBe(1n);
      const record = (): ReturnType<FakeAdbServer['scrcpyServers']>[number] => fake.scrcpyServers('FAKE0001')[0] as ReturnType<FakeAdbServer['scrcpyServers']>[number];
      expect(record().videoResets).toBe(1);

      // Other control messages are recorded by type: INJECT_KEYCODE (14 bytes) then INJECT_TEXT (u32 length + text).
      const keycode = Buffer.alloc(14);
      keycode.writeUInt32BE(66, 2);
      control.socket.write(Buffer.concat([keycode, Buffer.from([1, 0, 0, 0, 2]), Buffer.from('hi')]));
      await waitUntil(() => record().controlMessageTypes.length === 3);
      expect(record().controlMessageTypes).toEqual([17, 0, 1]);

      // Turning the device changes the display size: the encoder restarts at the swapped size.
      fake.rotate('FAKE0001', 90);
      const rotated = await readUntilConfig(video);
      expect(parseH264Sps(splitAnnexBNalus(rotated.data)[0] as Buffer)).toMatchObject({ width: 200, height: 104 });
      expect((await readPacket(video)).ptsAndFlags >> 62n).toBe(1n);
      expect(record().videoSizes).toEqual([
        { width: 104, height: 200 },
        { width: 104, height: 200 },
        { width: 200, height: 104 },
      ]);

      // The client closing the video socket ends the server: every socket and the command stream close.
      video.socket.destroy();
      await control.closed;
      await shell.closed;
      expect(shell.text()).toContain('[server] INFO: Device: [Google] google Pixel 7 (Android 14)\n');
      expect(shell.text()).toContain('[server] INFO: Video capture reset\n');
      expect(record()).toMatchObject({ scid: '0badc0de', clientVersion: '3.3.1', endReason: 'closed', options: { max_size: '200', audio: 'false' } });
      // Its name is free again: nothing listens any more.
      await expect(openService(fake.port, 'FAKE0001', 'localabstract:scrcpy_0badc0de')).rejects.toThrow('FAIL closed');
    });

    it('streams raw PCM on the audio socket on Android 11+ and sends the "disabled" code before', async () => {
      fake.plug('NEW', { sdk: 34 });
      fake.plug('OLD', { sdk: 29 });
      for (const serial of ['NEW', 'OLD']) await push(serial, fakeScrcpyServerJar('3.3.1'));
      const options = ['tunnel_forward=true', 'video=false', 'control=false', 'audio_codec=raw'];
      const shells = await Promise.all(['NEW', 'OLD'].map((serial) => openService(fake.port, serial, `exec:${serverCommand('3.3.1', ...options)}`)));
      const newAudio = await connectRetrying(fake.port, 'NEW', 'scrcpy');
      const oldAudio = await connectRetrying(fake.port, 'OLD', 'scrcpy');
      for (const audio of [newAudio, oldAudio]) {
        expect((await audio.read(1))[0]).toBe(0);
        await audio.read(64);
      }
      expect((await oldAudio.read(4)).readUInt32BE(0)).toBe(0);
      expect((await newAudio.read(4)).readUInt32BE(0)).toBe(0x00726177); // "raw"
      const packets = [];
      for (let i = 0; i < 5; i++) packets.push(await readPacket(newAudio));
      for (const p of packets) {
        expect(p.ptsAndFlags >> 62n).toBe(0n); // raw audio has no config packet and no key flag
        expect(p.data.length).toBe(4096); // one AudioRecord read: 1024 frames of s16le stereo
      }
      // 1024 samples at 48 kHz apart, and a sine is not silence.
      expect(Number(packets[1]?.ptsAndFlags) - Number(packets[0]?.ptsAndFlags)).toBe(21_333);
      expect(packets[4]?.data.some((b) => b !== 0)).toBe(true);
      // The old device's audio socket stays open and silent after the code.
      await new Promise((r) => setTimeout(r, 300));
      expect(oldAudio.available).toBe(0);
      expect(shells[1]?.text()).toContain('[server] WARN: Audio disabled: it is not supported before Android 11\n');
      // Records outlive the device, so take it before the unplug.
      const newRecord = fake.scrcpyServers('NEW')[0];
      fake.unplug('NEW');
      await shells[0]?.closed;
      await waitUntil(() => newRecord?.endReason === 'unplugged');
      expect(fake.scrcpyServers('OLD')[0]?.endReason).toBeUndefined();
      shells[1]?.socket.destroy();
      await waitUntil(() => fake.scrcpyServers('OLD')[0]?.endReason === 'closed');
    });

    it('refuses a client of another version with the real exception (exit 1)', async () => {
      fake.plug('FAKE0001');
      await push('FAKE0001', fakeScrcpyServerJar('3.3.1'));
      const shell = await openService(fake.port, 'FAKE0001', `exec:${serverCommand('3.3.0', 'tunnel_forward=true')}`);
      await shell.closed;
      expect(shell.text()).toMatch(
        /^\[server\] ERROR: The server version \(3\.3\.1\) does not match the client \(3\.3\.0\)\njava\.lang\.IllegalArgumentException: The server version \(3\.3\.1\) does not match the client \(3\.3\.0\)\n\tat com\.genymobile\.scrcpy\.Options\.parse/,
      );
      expect(fake.scrcpyServers('FAKE0001')[0]).toMatchObject({ clientVersion: '3.3.0', endReason: 'version-mismatch' });
      // With the shell protocol the error is on stderr and the exit code is the process's.
      await expect(adb(fake.port, '-s', 'FAKE0001', 'shell', serverCommand('3.3.0'))).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('does not match the client (3.3.0)') });
    });

    it('aborts app_process when the jar is missing or is not a scrcpy-server jar', async () => {
      fake.plug('FAKE0001');
      await expect(adb(fake.port, '-s', 'FAKE0001', 'shell', serverCommand('3.3.1', 'tunnel_forward=true'))).rejects.toMatchObject({
        code: 134,
        stderr: expect.stringMatching(/ClassNotFoundException: Didn't find class "com\.genymobile\.scrcpy\.Server"[^\n]*\nAborted/),
      });
      await push('FAKE0001', Buffer.from('not a jar'));
      const shell = await openService(fake.port, 'FAKE0001', `exec:${serverCommand('3.3.1', 'tunnel_forward=true')}`);
      await shell.closed;
      expect(shell.text()).toContain(`Didn't find class "com.genymobile.scrcpy.Server"`);
      expect(fake.scrcpyServers('FAKE0001').map((r) => r.endReason)).toEqual(['error', 'error']);
    });

    it('only warns about an unknown option, like the real 3.3.1, and prints lists without mirroring', async () => {
      fake.plug('FAKE0001', { width: 320, height: 640 });
      await push('FAKE0001', fakeScrcpyServerJar('3.3.1'));
      const shell = await openService(fake.port, 'FAKE0001', `exec:${serverCommand('3.3.1', 'keep_active=true', 'list_displays=true')}`);
      await shell.closed;
      expect(shell.text()).toContain('[server] WARN: Unknown server option: keep_active\n');
      expect(shell.text()).toContain('[server] INFO: List of displays:\n    --display-id=0    (320x640)\n');
      expect(fake.scrcpyServers('FAKE0001')[0]?.endReason).toBe('exited');
    });

    it('answers FAIL "closed" to localabstract: when nothing listens', async () => {
      fake.plug('FAKE0001');
      await expect(openService(fake.port, 'FAKE0001', 'localabstract:scrcpy_12345678')).rejects.toThrow('FAIL closed');
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

/** Reads a socket by exact byte counts (a tiny adb-protocol client for the scrcpy tests). */
class StreamReader {
  private buffer = Buffer.alloc(0);
  private all = Buffer.alloc(0);
  private isClosed = false;
  readonly closed: Promise<void>;

  constructor(readonly socket: net.Socket) {
    socket.on('error', () => undefined);
    socket.on('data', (d: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, d]);
      this.all = Buffer.concat([this.all, d]);
    });
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.isClosed = true;
        resolve();
      }),
    );
  }

  get available(): number {
    return this.buffer.length;
  }

  /** Everything received since the service was opened, as text (a command's output). */
  text(): string {
    return this.all.toString();
  }

  /** Starts the transcript of text() at the bytes not read yet (after the adb handshake). */
  startTranscript(): void {
    this.all = this.buffer;
  }

  async read(n: number): Promise<Buffer> {
    await waitUntil(() => this.buffer.length >= n || this.isClosed);
    if (this.buffer.length < n) throw new Error(`stream closed with ${this.buffer.length} of ${n} bytes`);
    const out = this.buffer.subarray(0, n);
    this.buffer = this.buffer.subarray(n);
    return out;
  }
}

/** host:transport:<serial>, then `service`; rejects with "FAIL <message>" when the service is refused. */
async function openService(port: number, serial: string, service: string): Promise<StreamReader> {
  const reader = new StreamReader(net.connect(port, '127.0.0.1'));
  reader.socket.write(request(`host:transport:${serial}`));
  expect((await reader.read(4)).toString()).toBe('OKAY');
  reader.socket.write(request(service));
  const status = (await reader.read(4)).toString();
  if (status === 'FAIL') {
    const length = parseInt((await reader.read(4)).toString(), 16);
    throw new Error(`FAIL ${(await reader.read(length)).toString()}`);
  }
  expect(status).toBe('OKAY');
  reader.startTranscript();
  return reader;
}

/** What scrcpy's client does in tunnel_forward mode: connect again until the server listens. */
async function connectRetrying(port: number, serial: string, name: string): Promise<StreamReader> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await openService(port, serial, `localabstract:${name}`);
    } catch (error) {
      if (!String(error).includes('FAIL closed') || Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** One scrcpy packet: the 12-byte frame meta (u64 BE PTS and flags, u32 BE size), then the payload. */
async function readPacket(reader: StreamReader): Promise<{ ptsAndFlags: bigint; data: Buffer }> {
  const header = await reader.read(12);
  return { ptsAndFlags: header.readBigUInt64BE(0), data: await reader.read(header.readUInt32BE(8)) };
}

async function readUntilConfig(reader: StreamReader): Promise<{ ptsAndFlags: bigint; data: Buffer }> {
  for (let i = 0; i < 200; i++) {
    const packet = await readPacket(reader);
    if (packet.ptsAndFlags >> 63n === 1n) return packet;
  }
  throw new Error('no config packet in 200 packets');
}

function naluTypes(annexB: Buffer): number[] {
  return splitAnnexBNalus(annexB).map(h264NaluType);
}
