import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { v4l2InputArgs } from '@mediaplane/media-plan';
import type { Logger } from '@mediaplane/observability';
import type { CaptureQuality, DeviceInfo } from '../devices/device-source';
import { deviceIdPart } from './feed';
import { PolledDeviceSource } from './polled-device-source';

export interface CameraSourceOptions {
  agentId: string;
  /** sysfs folder listing V4L2 devices (`/sys/class/video4linux`). */
  v4l2Dir: string;
  /** Where the device nodes are (`/dev`). */
  devDir?: string;
  /** ALSA card list (`/proc/asound/cards`). */
  alsaCards: string;
  /** ALSA capture device used when a card exists; empty = no audio. */
  alsaDevice: string;
  intervalMs: number;
}

interface CameraExtra {
  node: string;
}

/** Whether the ALSA card list names at least one card. */
export async function alsaCardPresent(cardsFile: string): Promise<boolean> {
  const text = await readFile(cardsFile, 'utf8').catch(() => '');
  return /^\s*\d+\s*\[/m.test(text);
}

/**
 * V4L2 cameras: every `videoN` in sysfs whose `index` is 0 (a device's first node is its capture interface; further
 * nodes are metadata) and whose `/dev/videoN` exists, named after the driver's card name, with ALSA audio when the
 * machine has a sound card.
 */
export class CameraSource extends PolledDeviceSource<CameraExtra> {
  readonly kind = 'camera' as const;
  private audio = false;

  constructor(
    private readonly options: CameraSourceOptions,
    logger: Logger,
  ) {
    super(logger, options.intervalMs);
  }

  protected async discover(): Promise<Array<{ info: DeviceInfo; extra: CameraExtra }>> {
    const entries = existsSync(this.options.v4l2Dir) ? await readdir(this.options.v4l2Dir) : [];
    this.audio = this.options.alsaDevice !== '' && (await alsaCardPresent(this.options.alsaCards));
    const found: Array<{ info: DeviceInfo; extra: CameraExtra }> = [];
    for (const entry of entries.filter((e) => /^video\d+$/.test(e)).sort()) {
      const dir = join(this.options.v4l2Dir, entry);
      const index = (await readFile(join(dir, 'index'), 'utf8').catch(() => '0')).trim();
      if (index !== '0') continue;
      const node = join(this.options.devDir ?? '/dev', entry);
      if (!existsSync(node)) continue;
      const name = (await readFile(join(dir, 'name'), 'utf8').catch(() => entry)).trim().slice(0, 120) || entry;
      found.push({
        info: {
          id: `camera-${deviceIdPart(this.options.agentId, 40)}-${entry}`,
          kind: 'camera',
          name,
          capabilities: { input: false, audio: this.audio },
        },
        extra: { node },
      });
    }
    return found;
  }

  protected inputArgs(_info: DeviceInfo, extra: CameraExtra, quality: CaptureQuality): string[] {
    return v4l2InputArgs({ device: extra.node, quality, alsaDevice: this.audio ? this.options.alsaDevice : undefined });
  }
}
