import { Inject, Injectable } from '@nestjs/common';
import { counter, gauge, type Registry } from '@mediaplane/observability';
import type { AdaptiveChange, CaptureQualityPlan } from '@mediaplane/media-plan';
import { METRICS } from '@mediaplane/service-kit';

const STATES = ['starting', 'live', 'slate', 'reconnecting'] as const;

/** Per-device capture metrics on the agent's /metrics. Labels are device ids and stream ids, never keys. */
@Injectable()
export class CaptureMetrics {
  private readonly fps;
  private readonly bitrate;
  private readonly restarts;
  private readonly inputs;
  private readonly state;
  private readonly sessions;
  private readonly adaptiveStep;
  private readonly targetBitrate;
  private readonly targetHeight;
  private readonly targetWidth;
  private readonly targetFps;
  private readonly adaptiveChanges;

  constructor(@Inject(METRICS) registry: Registry) {
    this.fps = gauge(registry, 'mediaplane_capture_fps', "Frames per second of the device's publish run (FFmpeg progress)", ['device']);
    this.bitrate = gauge(registry, 'mediaplane_capture_bitrate_kbps', "Output bitrate of the device's publish run, kb/s", ['device']);
    this.restarts = counter(registry, 'mediaplane_capture_restarts_total', 'Publish runs restarted, by why the previous one ended', ['device', 'reason']);
    this.inputs = counter(registry, 'mediaplane_capture_input_events_total', 'Remote input events, by type and outcome', ['device', 'type', 'outcome']);
    this.state = gauge(registry, 'mediaplane_capture_state', '1 for the capture state each device is in', ['device', 'state']);
    this.sessions = gauge(registry, 'mediaplane_capture_sessions', 'Captures running on this agent');
    this.adaptiveStep = gauge(registry, 'mediaplane_capture_adaptive_step', 'WHIP adaptive quality: rung in use (0 = the requested quality)', ['device']);
    this.targetBitrate = gauge(registry, 'mediaplane_capture_target_bitrate_kbps', 'Target video bitrate of the capture, kb/s (moves with adaptive quality)', [
      'device',
    ]);
    this.targetHeight = gauge(registry, 'mediaplane_capture_target_height', 'Target picture height of the capture, pixels', ['device']);
    this.targetWidth = gauge(registry, 'mediaplane_capture_target_width', 'Target picture width of the capture, pixels', ['device']);
    this.targetFps = gauge(registry, 'mediaplane_capture_target_fps', 'Target frame rate of the capture', ['device']);
    this.adaptiveChanges = counter(registry, 'mediaplane_capture_adaptive_changes_total', 'WHIP adaptive quality steps taken, by direction', [
      'device',
      'direction',
    ]);
  }

  adaptiveStart(device: string, quality: CaptureQualityPlan): void {
    this.target(device, 0, quality);
    for (const direction of ['down', 'up']) this.adaptiveChanges.inc({ device, direction }, 0);
  }

  adapted(device: string, change: AdaptiveChange): void {
    this.adaptiveChanges.inc({ device, direction: change.direction });
    this.target(device, change.step, change.to);
  }

  private target(device: string, step: number, q: CaptureQualityPlan): void {
    this.adaptiveStep.set({ device }, step);
    this.targetBitrate.set({ device }, q.bitrateKbps);
    this.targetHeight.set({ device }, q.height);
    this.targetWidth.set({ device }, q.width);
    this.targetFps.set({ device }, q.fps);
  }

  progress(device: string, fps: number | undefined, bitrateKbps: number | undefined): void {
    if (fps !== undefined) this.fps.set({ device }, fps);
    if (bitrateKbps !== undefined) this.bitrate.set({ device }, bitrateKbps);
  }

  restart(device: string, reason: string): void {
    this.restarts.inc({ device, reason });
  }

  input(device: string, type: string, outcome: 'ok' | 'rate_limited' | 'failed'): void {
    this.inputs.inc({ device, type, outcome });
  }

  setState(device: string, current: (typeof STATES)[number]): void {
    for (const s of STATES) this.state.set({ device, state: s }, s === current ? 1 : 0);
  }

  ended(device: string): void {
    for (const s of STATES) this.state.remove({ device, state: s });
    this.fps.remove({ device });
    this.bitrate.remove({ device });
    for (const g of [this.adaptiveStep, this.targetBitrate, this.targetHeight, this.targetWidth, this.targetFps]) g.remove({ device });
  }

  count(n: number): void {
    this.sessions.set(n);
  }
}
