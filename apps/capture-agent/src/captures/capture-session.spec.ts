import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import type { FfmpegProgress, FfmpegRunExit, FfmpegRunSpec, FfmpegSupervisorOptions } from '@mediaplane/media-io';
import { createLogger } from '@mediaplane/observability';
import type { CaptureFeed, DeviceInfo } from '../devices/device-source';
import type { AdaptiveChange } from '@mediaplane/media-plan';
import { IngestOutput, redactSecrets, type CaptureOutputTarget, type OutputControl } from './capture-output';
import { CaptureSession, type PublishSupervisor } from './capture-session';
import { InputRateLimiter } from './input-rate-limiter';

/** Plays FfmpegSupervisor's part: runs are prepared on demand, exits are told by the test. */
class FakeSupervisor extends EventEmitter implements PublishSupervisor {
  runs: FfmpegRunSpec[] = [];
  cycles = 0;
  stopped = false;
  constructor(private readonly options: Pick<FfmpegSupervisorOptions, 'prepareRun' | 'shouldRestart'>) {
    super();
  }
  start(): void {
    void this.next();
  }
  async next(): Promise<FfmpegRunSpec> {
    const spec = await this.options.prepareRun(this.runs.length);
    this.runs.push(spec);
    return spec;
  }
  progress(frame: number): void {
    const p: FfmpegProgress = { frame, fps: 30, bitrateKbps: 800, outTimeUs: frame * 33_000, ended: false };
    this.emit('progress', p, this.runs.length - 1);
  }
  async exit(reason: FfmpegRunExit['reason']): Promise<void> {
    this.emit('exit', { run: this.runs.length - 1, reason, code: 1, signal: null, runtimeMs: 1, stderrTail: [] } satisfies FfmpegRunExit);
    await this.next();
  }
  async cycle(): Promise<void> {
    this.cycles++;
    await this.exit('cycled');
  }
  stop(): Promise<void> {
    this.stopped = true;
    return Promise.resolve();
  }
}

class FakeFeed extends EventEmitter implements CaptureFeed {
  inputArgs = ['-f', 'h264', '-i', 'pipe:0'];
  videoIsH264 = true;
  stdin: NodeJS.ReadableStream = new PassThrough();
  audioInput?: CaptureFeed['audioInput'];
  stops = 0;
  /** Qualities asked of the device without a new run (screenrecord's seamless hand-over). */
  qualityChanges: unknown[] = [];
  stop(): Promise<void> {
    this.stops++;
    return Promise.resolve();
  }
  changeQuality(q: unknown): void {
    this.qualityChanges.push(q);
  }
}

/** An ingest output that, like WHIP, opens first and hands the session its controls (adaptive quality among them). */
class AdaptingOutput extends IngestOutput implements CaptureOutputTarget {
  control?: OutputControl;
  open(control: OutputControl): Promise<void> {
    this.control = control;
    return Promise.resolve();
  }
}

const device: DeviceInfo = { id: 'android-1', kind: 'android', name: 'Pixel', capabilities: { input: true, audio: false } };
const quality = { width: 640, height: 360, fps: 30, bitrateKbps: 800 };
const flush = () => new Promise((r) => setImmediate(r));

function setup(
  output: CaptureOutputTarget = new IngestOutput('rtmp', 'rtmp://ingest/live', 'sk_secretkey', { allowPassthrough: true, x264Preset: 'veryfast' }),
  feedAudio?: CaptureFeed['audioInput'],
) {
  let present = true;
  let clock = 1000;
  /** Whether the next feed opened is H.264 to pass through (false: a turned device). */
  let h264 = true;
  const feeds: FakeFeed[] = [];
  let supervisor!: FakeSupervisor;
  const session = new CaptureSession({
    device,
    streamId: 'st1',
    quality,
    output,
    devicePresent: () => present,
    openFeed: () => {
      const feed = new FakeFeed();
      feed.audioInput = feedAudio;
      feed.videoIsH264 = h264;
      feeds.push(feed);
      return Promise.resolve(feed);
    },
    supervisor: (options) => (supervisor = new FakeSupervisor(options)),
    deviceRetryMs: 60_000,
    logger: createLogger({ app: 'test', level: 'silent' }),
    now: () => clock,
  });
  return {
    session,
    feeds,
    sup: () => supervisor,
    setPresent: (p: boolean) => (present = p),
    setFeedH264: (v: boolean) => (h264 = v),
    advance: (ms: number) => (clock += ms),
  };
}

describe('CaptureSession', () => {
  it('starts on the device feed, passing H.264 through, and turns live at the first frames', async () => {
    const t = setup();
    t.session.start();
    await flush();
    const run = t.sup().runs[0] as FfmpegRunSpec;
    expect(run.args).toContain('copy');
    expect(run.stdin).toBe(t.feeds[0]?.stdin);
    expect(t.session.view().state).toBe('starting');
    t.sup().progress(10);
    expect(t.session.view()).toMatchObject({ state: 'live', fps: 30, bitrateKbps: 800, restarts: 0 });
  });

  it("rebuilds the run when the feed's inputs change: a turned device is re-encoded, then passed through again", async () => {
    const t = setup();
    t.session.start();
    await flush();
    expect((t.sup().runs[0] as FfmpegRunSpec).args).toContain('copy');
    const turned = t.feeds[0] as FakeFeed;
    // The device turned: the feed, and the next one the source opens, are no longer H.264 to pass through.
    t.setFeedH264(false);
    turned.emit('inputChanged');
    await flush();
    expect(t.sup().cycles).toBe(1);
    expect(turned.stops).toBe(1);
    const reencoded = (t.sup().runs[1] as FfmpegRunSpec).args.join(' ');
    expect(reencoded).toContain('libx264');
    expect(reencoded).toContain('pad=640:360');
    // A stale feed's event changes nothing; the current one's turn back brings passthrough again.
    turned.emit('inputChanged');
    await flush();
    expect(t.sup().cycles).toBe(1);
    t.setFeedH264(true);
    t.feeds[1]?.emit('inputChanged');
    await flush();
    expect(t.sup().cycles).toBe(2);
    expect((t.sup().runs[2] as FfmpegRunSpec).args).toContain('copy');
  });

  it("carries a feed's separate audio into the run: its input after the video's, its bytes on the extra pipe", async () => {
    const audio = { inputArgs: ['-f', 's16le', '-ar', '48000', '-ac', '2', '-i', 'pipe:3'], stream: new PassThrough() };
    const t = setup(undefined, audio);
    t.session.start();
    await flush();
    const run = t.sup().runs[0] as FfmpegRunSpec;
    expect(run.inputPipes).toEqual([audio.stream]);
    expect(run.args.join(' ')).toContain('-f h264 -i pipe:0 -f s16le -ar 48000 -ac 2 -i pipe:3');
  });

  it('switches to the slate when the feed ends, stops the feed, and does not retry the device before the retry delay', async () => {
    const t = setup();
    t.session.start();
    await flush();
    t.sup().progress(10);
    t.feeds[0]?.emit('ended', 'unplugged');
    await flush();
    expect(t.sup().cycles).toBe(1);
    expect(t.feeds[0]?.stops).toBe(1);
    const slate = t.sup().runs[1] as FfmpegRunSpec;
    expect(slate.args.join(' ')).toContain('Device unavailable');
    expect(slate.stdin).toBeUndefined();
    t.sup().progress(5);
    expect(t.session.view().state).toBe('slate');
    expect(t.session.captureMode).toBe('slate');
  });

  it('goes back to the device as soon as it is listed again', async () => {
    const t = setup();
    t.session.start();
    await flush();
    t.setPresent(false);
    t.session.onDeviceGone();
    await flush();
    expect(t.session.captureMode).toBe('slate');
    t.setPresent(true);
    t.session.onDeviceBack(device);
    await flush();
    expect(t.session.captureMode).toBe('device');
    expect(t.feeds).toHaveLength(2);
    t.sup().progress(3);
    expect(t.session.view()).toMatchObject({ state: 'live', restarts: 2 });
  });

  it("reports reconnecting after a crash and live again at the next run's frames, counting the restart", async () => {
    const t = setup();
    t.session.start();
    await flush();
    t.sup().progress(10);
    const exit = t.sup().exit('crashed');
    expect(t.session.view()).toMatchObject({ state: 'reconnecting', fps: 0 });
    await exit;
    t.sup().progress(1);
    expect(t.session.view()).toMatchObject({ state: 'live', restarts: 1 });
  });

  it('stops its supervisor and feed, and never restarts after stop', async () => {
    const t = setup();
    t.session.start();
    await flush();
    await t.session.stop();
    expect(t.sup().stopped).toBe(true);
    expect(t.feeds[0]?.stops).toBe(1);
  });
});

describe('CaptureSession adaptive quality', () => {
  const lower = { width: 480, height: 270, fps: 30, bitrateKbps: 500 };
  const change: AdaptiveChange = { direction: 'down', from: quality, to: lower, step: 1, reason: 'loss 12 %' };
  const adaptingSetup = (allowPassthrough: boolean) => {
    const output = new AdaptingOutput('rtmp', 'rtmp://ingest/live', 'sk_secretkey', { allowPassthrough, x264Preset: 'veryfast' });
    return { output, ...setup(output) };
  };

  it('asks the device for the new quality without a new run when the run passes its video through', async () => {
    const t = adaptingSetup(true);
    t.session.start();
    await flush();
    t.sup().progress(10);
    t.output.control?.adapt(change);
    await flush();
    expect(t.feeds[0]?.qualityChanges).toEqual([lower]);
    expect(t.sup().cycles).toBe(0);
    expect(t.session.view().quality).toEqual(lower);
  });

  it('starts a new run at the new quality when the run encodes (its arguments carry the quality)', async () => {
    const t = adaptingSetup(false);
    t.session.start();
    await flush();
    t.sup().progress(10);
    t.output.control?.adapt(change);
    await flush();
    expect(t.feeds[0]?.qualityChanges).toEqual([]);
    expect(t.sup().cycles).toBe(1);
    expect(t.sup().runs[1]?.args.join(' ')).toContain('500k');
  });
});

describe('IngestOutput', () => {
  it('keeps the key out of what it logs, in any spelling FFmpeg may print', () => {
    const output = new IngestOutput('srt', 'srt://ingest:9000', 'sk_secretkey', { allowPassthrough: true, x264Preset: 'veryfast' });
    const args = output.runArgs({ inputArgs: [], videoIsH264: false, stdin: false }, quality);
    const url = args.at(-1) as string;
    expect(url).toContain('sk_secretkey');
    const line = `[srt @ 0x1] Connection to ${url} failed; streamid=#!::r=live/sk_secretkey,m=publish`;
    expect(output.redact(line)).not.toContain('sk_secretkey');
    expect(
      new IngestOutput('rtmp', 'rtmp://h/live', 'sk_secretkey', { allowPassthrough: true, x264Preset: 'veryfast' }).redact(
        'rtmp://h/live/sk_secretkey: I/O error',
      ),
    ).toBe('[REDACTED]: I/O error');
    expect(redactSecrets('a sk_secretkey b', ['sk_secretkey'])).toBe('a [REDACTED] b');
  });
});

describe('InputRateLimiter', () => {
  it('allows a burst, then the rate, per device independently', () => {
    let now = 0;
    const limiter = new InputRateLimiter(10, 3, () => now);
    expect([1, 2, 3, 4].map(() => limiter.take('a'))).toEqual([true, true, true, false]);
    expect(limiter.take('b')).toBe(true);
    now += 100;
    expect(limiter.take('a')).toBe(true);
    expect(limiter.take('a')).toBe(false);
  });
});
