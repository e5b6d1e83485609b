import { EventEmitter } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import { H264AccessUnitScanner } from '@mediaplane/codecs';
import { restartDelayMs, type BackoffOptions } from '@mediaplane/media-io';
import type { CaptureFeed, CaptureQuality } from '../devices/device-source';

export interface SeamlessH264FeedOptions {
  /** What a run is, for logs: 'screenrecord' or 'scrcpy'. */
  runName: string;
  /** Starts one run at this quality (screenrecord's --size and --bit-rate, scrcpy's max_size and bit rate) and returns its H.264 Annex B stream. */
  open: (quality: CaptureQuality) => Promise<Readable>;
  /** The quality of the first run (changeQuality moves later ones). */
  quality: CaptureQuality;
  /** Whether the device is still attached (a run that ends then is restarted, else the feed ends). */
  devicePresent: () => boolean;
  /** A run's time limit in seconds (screenrecord's --time-limit); undefined: runs last until stopped (scrcpy). */
  timeLimitS?: number;
  /**
   * Asks the current run itself for a keyframe (scrcpy's RESET_VIDEO); true when it could. Absent or false: a
   * keyframe comes from an early hand-over to a new run (screenrecord cannot be asked).
   */
  keyframeInRun?: (run: Readable) => boolean;
  /**
   * The device's audio beside the video (scrcpy on Android 11+): FFmpeg's input arguments for it (read from
   * `pipe:3`) and each run's audio stream. The feed has audio when its first run has.
   */
  audio?: { inputArgs: readonly string[]; of: (run: Readable) => Readable | undefined };
  /**
   * A run's picture size now, and later changes of it (scrcpy: a rotation restarts the device's encoder turned).
   * Absent (screenrecord, which letterboxes inside its fixed --size): the size is the quality's.
   */
  watchRunSize?: (run: Readable, onSize: (size: PictureSize) => void) => PictureSize | undefined;
  /** The next run starts this long before the current one reaches its limit, so they overlap. */
  overlapMs: number;
  backoff: BackoffOptions;
  /** Runs that fail in a row (no picture) before the feed gives up. */
  maxFailures: number;
  onLog?: (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;
}

/**
 * Arguments for FFmpeg reading the stream: raw H.264, stamped on arrival (device encoders send frames only when the
 * screen changes). No frame-rate probe (there is no rate to find in arrival stamps): FFmpeg otherwise reads ~20 frames
 * (~700 ms at 30 fps) before the run starts; without, it starts after the first frame (~80 ms, measured, FFmpeg 5.1).
 * That probe also delayed a device's separate audio (scrcpy's, on pipe:3, opened after the video): the audio piled up
 * meanwhile, so the run's audio started that far behind its video and a WebRTC viewer's lip sync held the picture back
 * as much (capture-to-glass p50 299–430 ms with audio, 103–111 ms with neither probe; tools/bench capture).
 */
export const DEVICE_H264_INPUT_ARGS = ['-fpsprobesize', '0', '-f', 'h264', '-use_wallclock_as_timestamps', '1', '-i', 'pipe:0'];

export interface PictureSize {
  width: number;
  height: number;
}

/** Audio kept for FFmpeg while it is not reading: 200 ms of 48 kHz stereo s16le. */
const AUDIO_HELD_BYTES = 38_400;

/** One encoder run on the device (a screenrecord process, a scrcpy-server), seen through its H.264 stream. */
class Run {
  readonly scanner = new H264AccessUnitScanner();
  /** Bytes received before this run was switched to (from its first access unit on). */
  buffered: Buffer[] = [];
  /** Absolute offset of the first access unit: bytes before it (error text, garbage) are never forwarded. */
  firstAu = -1;
  /** Absolute offset up to which bytes went to the feed (or were dropped). */
  forwarded = 0;
  /** Bytes held back while a cut is pending (start at `forwarded`). */
  pending: Buffer = Buffer.alloc(0);
  ended = false;
  /** The picture's size (watchRunSize), when known. */
  size?: PictureSize;
  readonly startedAt = Date.now();
  switchTimer?: NodeJS.Timeout;

  constructor(readonly stream: Readable) {}

  /** Ready to take over: its first frame is complete (a second one has begun), or it ended after at least one. */
  get ready(): boolean {
    return this.scanner.accessUnits >= 2 || (this.ended && this.scanner.accessUnits >= 1);
  }
}

/**
 * A device's H.264 elementary stream made of encoder runs handed over without
 * a gap — `screenrecord --output-format=h264` kept going past its time limit,
 * and scrcpy-server moved to another quality. Shortly before a run reaches
 * its time limit (or when the quality changes) the next run is started; once the next run's first frame is complete the
 * current run is cut at its next frame boundary and the next run's bytes
 * (SPS, PPS, IDR first) continue the same stdin. Viewers see at most about
 * one frame interval between the two runs' frames. A run that ends early
 * (screenrecord crashed) is restarted at once with capped backoff; when the
 * device is gone, or runs keep failing, the feed ends.
 */
export class SeamlessH264Feed extends EventEmitter implements CaptureFeed {
  readonly inputArgs = DEVICE_H264_INPUT_ARGS;
  /** The picture is turned against the requested box (a portrait capture of a device in landscape, or the reverse). */
  private turned = false;
  readonly stdin = new PassThrough({ highWaterMark: 4 * 1024 * 1024 });
  /** Seamless switches to a next run so far (metrics). */
  restarts = 0;
  private current?: Run;
  private next?: Run;
  private stopped = false;
  private failures = 0;
  private retryTimer?: NodeJS.Timeout;
  private quality: CaptureQuality;
  /** The next run's opening under way: one that a later opening (a quality change) superseded is dropped when it arrives. */
  private opening?: symbol;
  /** The feed's audio (see CaptureFeed.audioInput), fed by the current run's audio. */
  audioInput?: { inputArgs: readonly string[]; stream: PassThrough };
  private audioSource?: { stream: Readable; onData: (chunk: Buffer) => void };
  /** Audio bytes dropped because FFmpeg was not reading (between publish runs). */
  audioDropped = 0;

  constructor(private readonly options: SeamlessH264FeedOptions) {
    super();
    this.quality = options.quality;
  }

  /** Opens the first run; rejects when it cannot be started at all. */
  async start(): Promise<void> {
    const run = new Run(await this.options.open(this.quality));
    this.watchSize(run);
    this.turned = this.isTurned(run.size);
    const audio = this.options.audio;
    if (audio?.of(run.stream)) this.audioInput = { inputArgs: audio.inputArgs, stream: new PassThrough({ highWaterMark: AUDIO_HELD_BYTES }) };
    this.next = run;
    this.attach(run);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.retryTimer);
    for (const run of [this.current, this.next]) this.kill(run);
    this.stdin.end();
    this.useAudioOf(undefined);
    this.audioInput?.stream.end();
  }

  /**
   * A keyframe without a gap: from the current run when it can be asked, otherwise the next run is started now
   * instead of shortly before the time limit, and takes over at a frame boundary once its first frame (SPS, PPS,
   * IDR) is complete, as at the time limit. Nothing to do while a next run is already starting.
   */
  requestKeyframe(): void {
    if (this.stopped || this.next || this.opening || !this.current || this.current.ended) return;
    if (this.options.keyframeInRun?.(this.current.stream)) return;
    clearTimeout(this.current.switchTimer);
    void this.openNext();
  }

  /**
   * Another quality without a gap: a next run at the new size and bit rate, handed over to like the others (its
   * SPS, PPS and IDR come first, so a decoder follows the new size). A next run already starting at the old quality
   * is dropped.
   */
  changeQuality(quality: CaptureQuality): void {
    if (this.stopped) return;
    this.quality = quality;
    this.kill(this.next);
    this.next = undefined;
    if (this.current) clearTimeout(this.current.switchTimer);
    void this.openNext(true);
  }

  /** The source saw the device go. */
  end(reason: string): void {
    if (this.stopped) return;
    void this.stop();
    this.emit('ended', reason);
  }

  private attach(run: Run): void {
    run.stream.on('data', (chunk: Buffer) => this.onData(run, chunk));
    run.stream.once('error', () => this.onRunEnded(run));
    run.stream.once('end', () => this.onRunEnded(run));
    run.stream.once('close', () => this.onRunEnded(run));
  }

  private onData(run: Run, chunk: Buffer): void {
    if (this.stopped) return;
    const boundaries = run.scanner.push(chunk);
    if (run.firstAu < 0) {
      const first = boundaries[0];
      if (first === undefined) {
        run.forwarded += chunk.length; // text before any picture (an error message): dropped
        return;
      }
      run.firstAu = first;
      const skip = first - run.forwarded;
      run.forwarded = first;
      chunk = chunk.subarray(Math.max(0, skip));
    }
    if (run === this.next) {
      run.buffered.push(chunk);
      if (run.ready) this.onNextReady();
      return;
    }
    if (run !== this.current) return;
    if (!this.next?.ready) {
      this.write(chunk);
      run.forwarded += chunk.length;
      return;
    }
    // A cut is pending: forward up to the current run's next frame boundary, then switch.
    run.pending = run.pending.length ? Buffer.concat([run.pending, chunk]) : chunk;
    const cut = boundaries.find((b) => b >= run.forwarded);
    if (cut !== undefined) {
      this.write(run.pending.subarray(0, cut - run.forwarded));
      this.switchToNext();
      return;
    }
    // Keep the last 4 bytes back: a start code may be completed by the next chunk.
    const safe = run.pending.length - 4;
    if (safe > 0) {
      this.write(run.pending.subarray(0, safe));
      run.forwarded += safe;
      run.pending = run.pending.subarray(safe);
    }
  }

  private onNextReady(): void {
    // No current run (the first one, or the current one already ended): take over now.
    if (!this.current || this.current.ended) this.switchToNext();
    // Otherwise the current run's next chunk finds its cut (onData).
  }

  private switchToNext(): void {
    const next = this.next;
    if (!next) return;
    const old = this.current;
    if (old) {
      this.kill(old);
      this.restarts++;
      this.options.onLog?.('info', `${this.options.runName} run handed over to the next one`, { restarts: this.restarts, ranMs: Date.now() - old.startedAt });
    }
    this.current = next;
    this.next = undefined;
    this.failures = 0;
    this.useAudioOf(next);
    this.checkTurned();
    for (const b of next.buffered) {
      this.write(b);
      next.forwarded += b.length;
    }
    next.buffered = [];
    if (this.options.timeLimitS !== undefined) {
      const due = this.options.timeLimitS * 1000 - this.options.overlapMs - (Date.now() - next.startedAt);
      next.switchTimer = setTimeout(() => void this.openNext(), Math.max(0, due));
    }
    if (next.ended) this.onRunEnded(next, true);
  }

  /** Starts the next run, unless one is there or starting; `supersede`: start one anyway, dropping one that is starting. */
  private async openNext(supersede = false): Promise<void> {
    if (this.stopped || this.next || (this.opening && !supersede)) return;
    const opening = Symbol('run opening');
    this.opening = opening;
    try {
      const stream = await this.options.open(this.quality);
      if (this.stopped || this.opening !== opening) {
        stream.destroy();
        return;
      }
      this.opening = undefined;
      const run = new Run(stream);
      this.watchSize(run);
      this.next = run;
      this.attach(run);
    } catch (error) {
      if (this.opening !== opening) return;
      this.opening = undefined;
      this.onFailure(`${this.options.runName} could not be started: ${(error as Error).message}`);
    }
  }

  private onRunEnded(run: Run, again = false): void {
    if (run.ended && !again) return;
    run.ended = true;
    clearTimeout(run.switchTimer);
    if (this.stopped) return;
    if (run === this.next) {
      if (run.ready) this.onNextReady();
      else {
        this.next = undefined;
        this.onFailure(`${this.options.runName} ended before its first frame`);
      }
      return;
    }
    if (run !== this.current) return;
    // The current run ended (its time limit came early, it crashed, or the device went):
    // flush what it held back and hand over to the next run, or start one now.
    if (run.pending.length) this.write(run.pending);
    run.pending = Buffer.alloc(0);
    if (this.next?.ready) this.switchToNext();
    else if (!this.next) void this.openNext();
  }

  private onFailure(reason: string): void {
    if (this.stopped) return;
    if (!this.options.devicePresent()) {
      this.end('device unplugged');
      return;
    }
    this.failures++;
    if (this.failures >= this.options.maxFailures) {
      this.end(`${reason} (${this.failures} times in a row)`);
      return;
    }
    const delay = restartDelayMs(this.failures - 1, this.options.backoff);
    this.options.onLog?.('warn', `${this.options.runName} run failed; retrying`, { reason, failures: this.failures, delayMs: delay });
    this.retryTimer = setTimeout(() => void this.openNext(), delay);
  }

  /**
   * Routes a run's audio into the feed's. Audio never holds the device back: with nobody reading (between publish
   * runs) it is kept up to AUDIO_HELD_BYTES and dropped beyond, so the next run starts with current sound.
   */
  private useAudioOf(run: Run | undefined): void {
    const out = this.audioInput?.stream;
    if (this.audioSource) this.audioSource.stream.off('data', this.audioSource.onData);
    this.audioSource = undefined;
    const stream = run && out ? this.options.audio?.of(run.stream) : undefined;
    if (!stream || !out) return;
    const onData = (chunk: Buffer): void => {
      if (out.writableLength < AUDIO_HELD_BYTES) out.write(chunk);
      else this.audioDropped += chunk.length;
    };
    stream.on('data', onData);
    this.audioSource = { stream, onData };
  }

  /**
   * H.264 that may be passed through: only while the picture keeps the requested box's orientation. A turned
   * device's stream changes size (scrcpy restarts its encoder at the turned size), which passed through would change
   * the output's size; re-encoded, the publish run's scale+pad keeps the size and letterboxes the picture.
   */
  get videoIsH264(): boolean {
    return !this.turned;
  }

  private watchSize(run: Run): void {
    run.size = this.options.watchRunSize?.(run.stream, (size) => {
      run.size = size;
      if (run === this.current) this.checkTurned();
    });
  }

  private isTurned(size: PictureSize | undefined): boolean {
    if (!size) return false;
    const box = this.quality;
    return size.width !== size.height && box.width !== box.height && size.width > size.height !== box.width > box.height;
  }

  /** Tells the session when passthrough became allowed or not (its next run is built anew: `inputChanged`). */
  private checkTurned(): void {
    const turned = this.isTurned(this.current?.size);
    if (turned === this.turned) return;
    this.turned = turned;
    this.options.onLog?.('info', turned ? 'device turned: its picture is re-encoded to keep the output size' : 'device turned back: passthrough again', {
      size: this.current?.size,
    });
    this.emit('inputChanged');
  }

  private write(data: Buffer): void {
    if (!data.length || this.stopped) return;
    // Backpressure: a slow FFmpeg pauses the adb stream (the device encoder waits) instead of growing memory.
    if (!this.stdin.write(data)) {
      const run = this.current;
      if (run && !run.stream.isPaused()) {
        run.stream.pause();
        this.stdin.once('drain', () => run.stream.resume());
      }
    }
  }

  private kill(run: Run | undefined): void {
    if (!run) return;
    clearTimeout(run.switchTimer);
    run.ended = true;
    run.stream.destroy();
  }
}
