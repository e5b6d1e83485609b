import { randomInt } from 'node:crypto';
import { PassThrough, Readable, type Duplex } from 'node:stream';
import { H264NaluType, h264NaluType, parseH264Sps, splitAnnexBNalus } from '@mediaplane/codecs';
import { scrcpyResetVideoMessage, scrcpyServerCommand, scrcpySocketName, scrcpyVersionMismatch, SCRCPY_SERVER_VERSION } from './scrcpy-protocol';
import { ScrcpyStreamDemuxer } from './scrcpy-stream-demuxer';

/** The jar on the device is another scrcpy-server version than the one this agent speaks. */
export class ScrcpyVersionMismatchError extends Error {
  override readonly name = 'ScrcpyVersionMismatchError';
}

/** The device's adb streams one run needs. */
export interface ScrcpyDeviceLink {
  /** Runs a command through `exec:`; its stdout (the server's log) as a stream, destroyed to end it. */
  execOut(command: string): Promise<Duplex>;
  /** Connects to a UNIX abstract socket on the device (adb's `localabstract:` service). */
  openLocal(name: string): Promise<Duplex>;
}

export interface ScrcpyRunOptions {
  maxSize: number;
  maxFps: number;
  bitrateKbps: number;
  /** Ask for the device's audio (Android 11+); the run has `audio` only when the device sends some. */
  audio: boolean;
  /** Time from starting the server to its video socket answering (app_process needs ~0.5–2 s on a phone). */
  startTimeoutMs: number;
  /** Pause between connection attempts while the server starts listening. */
  connectRetryMs: number;
}

/** Audio held for a reader that is not there (between publish runs): 200 ms of 48 kHz stereo s16le, then dropped. */
const AUDIO_BUFFER_BYTES = 48_000 * 4 / 5;

/** Most of the server's log kept for an error message. */
const SERVER_LOG_TAIL = 4096;

/**
 * One scrcpy-server run on a device, seen as the H.264 Annex B stream of its
 * video socket (config packets carry SPS/PPS, each other packet one access
 * unit), with the device's raw PCM audio beside it in `audio` when asked for
 * and available. It owns its adb streams — the server's command, the video,
 * audio and control sockets — and destroying it ends them all, which ends the
 * server. A keyframe is had without a new run: RESET_VIDEO on the control
 * socket restarts the device's encoder with a new config and an IDR.
 * Backpressure reaches the device: a slow reader pauses the video socket.
 */
export class ScrcpyRun extends Readable {
  /** The device's audio: PCM s16le 48 kHz stereo (SCRCPY_RAW_AUDIO_FORMAT); undefined when the run has none. */
  audio?: PassThrough;
  /** The picture's size: the codec meta's, then each config packet's SPS (a rotation restarts the encoder turned). Emits 'size'. */
  videoSize?: { width: number; height: number };
  private control?: Duplex;
  private video?: Duplex;
  private audioSocket?: Duplex;
  private server?: Duplex;
  private serverLog = '';

  private constructor() {
    super({ highWaterMark: 1024 * 1024 });
  }

  /** Starts the server and connects to it; rejects with its own words when it does not start (a version mismatch is ScrcpyVersionMismatchError). */
  static async open(link: ScrcpyDeviceLink, options: ScrcpyRunOptions): Promise<ScrcpyRun> {
    const run = new ScrcpyRun();
    try {
      await run.start(link, options);
      return run;
    } catch (error) {
      run.destroy();
      throw error;
    }
  }

  /** Asks the device's encoder for a keyframe now; false when the control socket is gone. */
  requestKeyframe(): boolean {
    const control = this.control;
    if (!control || control.destroyed || !control.writable) return false;
    control.write(scrcpyResetVideoMessage());
    return true;
  }

  override _read(): void {
    if (this.video?.isPaused()) this.video.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    for (const stream of [this.video, this.audioSocket, this.control, this.server]) stream?.destroy();
    this.audio?.end();
    callback(error);
  }

  private async start(link: ScrcpyDeviceLink, options: ScrcpyRunOptions): Promise<void> {
    const scid = randomInt(0, 0x7fffffff);
    const server = await link.execOut(
      scrcpyServerCommand({ scid, maxSize: options.maxSize, maxFps: options.maxFps, bitrateKbps: options.bitrateKbps, audio: options.audio }),
    );
    this.server = server;
    let serverEnded = false;
    server.on('data', (d: Buffer) => (this.serverLog = (this.serverLog + d.toString('utf8')).slice(-SERVER_LOG_TAIL)));
    const onServerEnd = (): void => {
      serverEnded = true;
      // A server that ends after the run began ends the run (its sockets close as well).
      if (this.video) this.endRun();
    };
    server.once('end', onServerEnd);
    server.once('close', onServerEnd);
    server.on('error', () => undefined);

    const name = `localabstract:${scrcpySocketName(scid)}`;
    const { socket, first } = await this.connectVideo(link, name, options, () => serverEnded);
    this.video = socket;
    // The server accepts its sockets in order — video, audio, control — and sends the device meta once all are there.
    try {
      if (options.audio) this.audioSocket = await link.openLocal(name);
      this.control = await link.openLocal(name);
    } catch (error) {
      throw this.startFailure(`its ${this.audioSocket || !options.audio ? 'control' : 'audio'} socket could not be opened (${(error as Error).message})`);
    }
    this.control.on('data', () => undefined); // device messages (clipboard) are not used; read so the server never blocks
    this.control.on('error', () => undefined);
    await this.pipeVideo(socket, first, options.startTimeoutMs);
    if (this.audioSocket) await this.pipeAudio(this.audioSocket, options.startTimeoutMs);
  }

  /**
   * Reads the audio socket's codec meta before the run is handed out (the feed must know whether it has audio):
   * raw PCM becomes `audio`; a device that disabled it (before Android 11, or no capture permission) leaves it unset.
   * Audio never slows the video: a reader that falls behind loses audio, not the device's encoder.
   */
  private pipeAudio(socket: Duplex, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        socket.destroy();
        resolve();
      }, timeoutMs);
      const demuxer = new ScrcpyStreamDemuxer({
        kind: 'audio',
        firstSocket: false,
        onMeta: (meta) => {
          clearTimeout(timer);
          if (meta.codec !== 0) this.audio = new PassThrough({ highWaterMark: AUDIO_BUFFER_BYTES });
          resolve();
        },
        onPacket: (packet) => {
          const audio = this.audio;
          if (audio && audio.writableLength < AUDIO_BUFFER_BYTES) audio.write(packet.data);
        },
      });
      socket.on('data', (chunk: Buffer) => {
        try {
          demuxer.push(chunk);
        } catch (error) {
          this.destroy(error as Error);
        }
      });
      socket.once('close', () => {
        clearTimeout(timer);
        this.audio?.end();
        resolve();
      });
      socket.on('error', () => undefined);
    });
  }

  /** Connects the video socket, retrying while the server starts; the dummy byte proves the server accepted us. */
  private async connectVideo(
    link: ScrcpyDeviceLink,
    name: string,
    options: ScrcpyRunOptions,
    serverEnded: () => boolean,
  ): Promise<{ socket: Duplex; first: Buffer }> {
    const deadline = Date.now() + options.startTimeoutMs;
    let lastError = 'no answer';
    for (;;) {
      if (serverEnded()) throw this.startFailure('the server ended before it listened');
      if (Date.now() > deadline) throw this.startFailure(`its socket did not answer within ${options.startTimeoutMs} ms (${lastError})`);
      try {
        const socket = await link.openLocal(name);
        // A connection adb opened to nothing closes without the dummy byte.
        return { socket, first: await firstChunk(socket, Math.max(100, deadline - Date.now())) };
      } catch (error) {
        lastError = (error as Error).message;
        await new Promise((r) => setTimeout(r, options.connectRetryMs));
      }
    }
  }

  /** Reads the video socket; resolves with the codec meta (the encoder's first size), which follows the device name. */
  private pipeVideo(socket: Duplex, first: Buffer, timeoutMs: number): Promise<void> {
    let sized!: () => void;
    const meta = new Promise<void>((resolve) => (sized = resolve));
    const timer = setTimeout(sized, timeoutMs);
    const demuxer = new ScrcpyStreamDemuxer({
      kind: 'video',
      firstSocket: true,
      onMeta: (m) => {
        clearTimeout(timer);
        if (m.width !== undefined && m.height !== undefined) this.setVideoSize({ width: m.width, height: m.height });
        sized();
      },
      onPacket: (packet) => {
        // A config packet after a rotation or a reset carries the new size in its SPS.
        if (packet.config) this.readConfigSize(packet.data);
        if (!this.push(packet.data)) socket.pause();
      },
    });
    const feed = (chunk: Buffer): void => {
      if (this.destroyed) return;
      try {
        demuxer.push(chunk);
      } catch (error) {
        this.destroy(error as Error);
      }
    };
    socket.on('data', feed);
    socket.once('end', () => this.endRun());
    socket.once('close', () => this.endRun());
    socket.on('error', (error: Error) => this.destroy(error));
    feed(first);
    socket.resume();
    return meta;
  }

  private readConfigSize(config: Buffer): void {
    const sps = splitAnnexBNalus(config).find((nal) => h264NaluType(nal) === H264NaluType.Sps);
    if (!sps) return;
    try {
      const { width, height } = parseH264Sps(sps);
      this.setVideoSize({ width, height });
    } catch {
      // An SPS we cannot read changes nothing: the decoder downstream judges the stream.
    }
  }

  private setVideoSize(size: { width: number; height: number }): void {
    if (this.videoSize?.width === size.width && this.videoSize.height === size.height) return;
    this.videoSize = size;
    this.emit('size', size);
  }

  private endRun(): void {
    if (this.destroyed || this.readableEnded) return;
    this.push(null);
    this.audio?.end();
    for (const stream of [this.video, this.audioSocket, this.control, this.server]) stream?.destroy();
  }

  private startFailure(why: string): Error {
    const log = this.serverLog.trim();
    const mismatch = scrcpyVersionMismatch(log);
    if (mismatch) {
      return new ScrcpyVersionMismatchError(
        `the scrcpy-server jar on the device is version ${mismatch.server}; this agent speaks ${SCRCPY_SERVER_VERSION} only (set CAPTURE_AGENT_SCRCPY_JAR to the ${SCRCPY_SERVER_VERSION} server)`,
      );
    }
    return new Error(`scrcpy-server did not start: ${why}${log ? `; it said: ${log.slice(-300)}` : ''}`);
  }
}

/** The first bytes a socket delivers, or a rejection when it closes first or stays silent. */
function firstChunk(socket: Duplex, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error('no dummy byte')), timeoutMs);
    const onData = (d: Buffer): void => done(undefined, d);
    const onEnd = (): void => done(new Error('connection closed'));
    const done = (error?: Error, data?: Buffer): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onEnd);
      socket.pause();
      if (error) {
        socket.destroy();
        reject(error);
      } else resolve(data as Buffer);
    };
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.once('error', onEnd);
  });
}
