import { EventEmitter } from 'node:events';
import { testPatternInputArgs } from '@mediaplane/media-plan';
import type { CaptureFeed, CaptureQuality, DeviceInfo, DeviceSource } from '../devices/device-source';
import { FfmpegInputFeed, deviceIdPart } from './feed';

/**
 * The always-present test-pattern device (testsrc2 with the wall clock and stream time burned in, a 440 Hz tone),
 * so an operator can smoke-test a fresh deployment end to end and benchmarks have a device to use.
 */
export class TestPatternSource extends EventEmitter implements DeviceSource {
  readonly kind = 'test-pattern' as const;
  private readonly device: DeviceInfo;

  constructor(private readonly agentId: string) {
    super();
    this.device = {
      id: `test-pattern-${deviceIdPart(agentId, 51)}`,
      kind: 'test-pattern',
      name: `Test pattern (${agentId.slice(0, 60)})`,
      capabilities: { input: false, audio: true },
    };
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  list(): DeviceInfo[] {
    return [this.device];
  }

  openCapture(deviceId: string, quality: CaptureQuality): Promise<CaptureFeed> {
    if (deviceId !== this.device.id) return Promise.reject(new Error(`device ${deviceId} is not a test pattern of this agent`));
    return Promise.resolve(new FfmpegInputFeed(testPatternInputArgs(quality, this.agentId)));
  }
}
