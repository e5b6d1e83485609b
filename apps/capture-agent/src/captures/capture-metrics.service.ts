import { Inject, Injectable } from '@nestjs/common';
import { counter, gauge, type Registry } from '@mediaplane/observability';
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

  constructor(@Inject(METRICS) registry: Registry) {
    this.fps = gauge(registry, 'mediaplane_capture_fps', "Frames per second of the device's publish run (FFmpeg progress)", ['device']);
    this.bitrate = gauge(registry, 'mediaplane_capture_bitrate_kbps', "Output bitrate of the device's publish run, kb/s", ['device']);
    this.restarts = counter(registry, 'mediaplane_capture_restarts_total', 'Publish runs restarted, by why the previous one ended', ['device', 'reason']);
    this.inputs = counter(registry, 'mediaplane_capture_input_events_total', 'Remote input events, by type and outcome', ['device', 'type', 'outcome']);
    this.state = gauge(registry, 'mediaplane_capture_state', '1 for the capture state each device is in', ['device', 'state']);
    this.sessions = gauge(registry, 'mediaplane_capture_sessions', 'Captures running on this agent');
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
  }

  count(n: number): void {
    this.sessions.set(n);
  }
}
