import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { z } from 'zod';
import { x11grabInputArgs } from '@mediaplane/media-plan';
import type { Logger } from '@mediaplane/observability';
import type { CaptureQuality, DeviceInfo } from '../devices/device-source';
import { deviceIdPart } from './feed';
import { PolledDeviceSource } from './polled-device-source';

export interface DesktopSourceOptions {
  agentId: string;
  /** X displays (`:0`, `host:1`); each is a device while it answers. */
  displays: string[];
  ffprobePath: string;
  /** PulseAudio source to record, or undefined when there is none. */
  pulseSource?: string;
  intervalMs: number;
}

interface DisplayExtra {
  display: string;
}

const ProbeSchema = z.object({ streams: z.array(z.object({ width: z.number().int().positive(), height: z.number().int().positive() })).min(1) });

/** The display's screen size, read by grabbing one frame with ffprobe (x11grab); undefined when it does not answer. */
export function probeDisplaySize(ffprobePath: string, display: string, timeoutMs = 5000): Promise<{ width: number; height: number } | undefined> {
  const args = ['-v', 'error', '-f', 'x11grab', '-i', display, '-show_entries', 'stream=width,height', '-of', 'json'];
  return new Promise((resolve) => {
    execFile(ffprobePath, args, { timeout: timeoutMs, maxBuffer: 64 * 1024, killSignal: 'SIGKILL' }, (error, stdout) => {
      if (error) return resolve(undefined);
      try {
        const parsed = ProbeSchema.parse(JSON.parse(stdout));
        const s = parsed.streams[0];
        resolve(s ? { width: s.width, height: s.height } : undefined);
      } catch {
        resolve(undefined);
      }
    });
  });
}

/** For a local display (`:N`), whether its X socket accepts a connection (cheap, every round); undefined for remote ones. */
export function localDisplayAnswers(display: string, timeoutMs = 1000): Promise<boolean> | undefined {
  const m = /^:(\d+)(\.\d+)?$/.exec(display);
  if (!m) return undefined;
  const path = `/tmp/.X11-unix/X${m[1]}`;
  if (!existsSync(path)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const socket = connect(path);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Whether a PulseAudio server is reachable from here (PULSE_SERVER, or the user's native socket). */
export function pulseAudioPresent(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env['PULSE_SERVER']) return true;
  const runtime = env['XDG_RUNTIME_DIR'] ?? (typeof process.getuid === 'function' ? `/run/user/${process.getuid()}` : undefined);
  return runtime !== undefined && existsSync(`${runtime}/pulse/native`);
}

/**
 * X desktops captured with FFmpeg's x11grab (PulseAudio with them when present). A display is listed while it
 * answers: local ones are checked by connecting to their X socket each round, and probed with ffprobe once for the
 * screen size; remote ones are probed each round.
 */
export class DesktopSource extends PolledDeviceSource<DisplayExtra> {
  readonly kind = 'desktop' as const;
  private readonly sizes = new Map<string, { width: number; height: number }>();

  constructor(
    private readonly options: DesktopSourceOptions,
    logger: Logger,
  ) {
    super(logger, options.intervalMs);
  }

  protected async discover(): Promise<Array<{ info: DeviceInfo; extra: DisplayExtra }>> {
    const found = await Promise.all(this.options.displays.map((display) => this.check(display)));
    return found.filter((d): d is { info: DeviceInfo; extra: DisplayExtra } => d !== undefined);
  }

  protected inputArgs(_info: DeviceInfo, extra: DisplayExtra, quality: CaptureQuality): string[] {
    return x11grabInputArgs({ display: extra.display, fps: quality.fps, pulseSource: this.options.pulseSource });
  }

  private async check(display: string): Promise<{ info: DeviceInfo; extra: DisplayExtra } | undefined> {
    const local = localDisplayAnswers(display);
    let size: { width: number; height: number } | undefined;
    if (local) {
      if (!(await local)) {
        this.sizes.delete(display);
        return undefined;
      }
      size = this.sizes.get(display) ?? (await probeDisplaySize(this.options.ffprobePath, display));
    } else {
      size = await probeDisplaySize(this.options.ffprobePath, display);
    }
    if (!size) return undefined;
    this.sizes.set(display, size);
    return {
      info: {
        id: `desktop-${deviceIdPart(this.options.agentId, 30)}-${deviceIdPart(display, 24)}`,
        kind: 'desktop',
        name: `Desktop ${display}`,
        screen: size,
        capabilities: { input: false, audio: this.options.pulseSource !== undefined },
      },
      extra: { display },
    };
  }
}
