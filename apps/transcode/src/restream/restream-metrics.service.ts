import { Inject, Injectable } from '@nestjs/common';
import type { RestreamOutputState } from '@mediaplane/contracts';
import type { FfmpegExitReason } from '@mediaplane/media-io';
import { counter, gauge, type Registry } from '@mediaplane/observability';
import { METRICS } from '@mediaplane/service-kit';

const STATES: RestreamOutputState[] = ['connecting', 'live', 'failed', 'idle', 'disabled'];

/**
 * Restream figures, labelled by public stream id and output id only: a
 * target URL (a secret) or its host never becomes a label.
 */
@Injectable()
export class RestreamMetrics {
  readonly streams;
  private readonly outputs;
  private readonly bytes;
  private readonly restarts;
  private readonly live;
  private readonly states = new Map<string, RestreamOutputState>();
  private readonly reasons = new Map<string, Set<string>>();

  constructor(@Inject(METRICS) registry: Registry) {
    this.streams = gauge(registry, 'mediaplane_restream_streams', 'Live streams whose restream outputs this worker runs');
    this.outputs = gauge(registry, 'mediaplane_restream_outputs', 'Restream outputs this worker runs, by state', ['state']);
    this.bytes = counter(registry, 'mediaplane_restream_output_bytes_total', 'Bytes pushed to a restream target', ['stream', 'output']);
    this.restarts = counter(registry, 'mediaplane_restream_output_restarts_total', "Restarts of a restream output's FFmpeg, by cause", ['stream', 'output', 'reason']);
    this.live = gauge(registry, 'mediaplane_restream_output_live', '1 while a restream output is live (bytes flowing), else 0', ['stream', 'output']);
    for (const s of STATES) this.outputs.set({ state: s }, 0);
  }

  state(streamId: string, outputId: string, state: RestreamOutputState): void {
    const id = `${streamId}/${outputId}`;
    const before = this.states.get(id);
    if (before === state) return;
    this.states.set(id, state);
    this.live.set({ stream: streamId, output: outputId }, state === 'live' ? 1 : 0);
    this.recount();
  }

  sent(streamId: string, outputId: string, bytes: number): void {
    if (bytes > 0) this.bytes.inc({ stream: streamId, output: outputId }, bytes);
  }

  restart(streamId: string, outputId: string, reason: FfmpegExitReason): void {
    const id = `${streamId}/${outputId}`;
    let seen = this.reasons.get(id);
    if (!seen) this.reasons.set(id, (seen = new Set()));
    seen.add(reason);
    this.restarts.inc({ stream: streamId, output: outputId, reason });
  }

  /** Drops a stopped output's series so label sets do not grow without bound. */
  forget(streamId: string, outputId: string): void {
    const id = `${streamId}/${outputId}`;
    this.states.delete(id);
    this.bytes.remove({ stream: streamId, output: outputId });
    this.live.remove({ stream: streamId, output: outputId });
    for (const reason of this.reasons.get(id) ?? []) this.restarts.remove({ stream: streamId, output: outputId, reason });
    this.reasons.delete(id);
    this.recount();
  }

  private recount(): void {
    const counts = new Map<RestreamOutputState, number>(STATES.map((s) => [s, 0]));
    for (const s of this.states.values()) counts.set(s, (counts.get(s) ?? 0) + 1);
    for (const [s, n] of counts) this.outputs.set({ state: s }, n);
  }
}
