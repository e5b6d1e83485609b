import { createRequire } from 'node:module';
import { findNativeAddon } from '../native-addon';
import type { SharedBatch } from './live-batches';
import type { HubViewer } from './hub-viewer';

/** What the fan-out addon exports (libs/media-io/native/src/fanout.c). */
export interface DirectSender {
  /** write() of `bytes` to every fd (non-blocking sockets): results[i] = bytes taken, or -errno. */
  sendToAll(fds: Int32Array, bytes: Uint8Array, results: Int32Array): void;
}

export const FANOUT_ADDON = {
  relativeDir: ['libs', 'media-io', 'native', 'build', 'Release'],
  file: 'mediaplane_fanout.node',
  envVar: 'MEDIAPLANE_FANOUT_ADDON',
};

let loaded: DirectSender | null | undefined;

/**
 * The fan-out addon, loaded once per process; undefined when it is not built
 * (or does not load), and the hub then writes every viewer through its sink.
 */
export function loadDirectSender(): DirectSender | undefined {
  if (loaded !== undefined) return loaded ?? undefined;
  loaded = null;
  const file = findNativeAddon(FANOUT_ADDON);
  if (file) {
    try {
      loaded = createRequire(__filename)(file) as DirectSender;
    } catch {
      loaded = null;
    }
  }
  return loaded ?? undefined;
}

/** The viewers of one flush that get a shared batch straight to their sockets, grouped by batch. */
export class DirectSends {
  private readonly groups = new Map<SharedBatch, { viewers: HubViewer[]; fds: number[] }>();
  private fds = new Int32Array(64);
  private results = new Int32Array(64);

  constructor(private readonly sender: DirectSender) {}

  /** Whether any viewer waits to be sent to. */
  get pending(): boolean {
    return this.groups.size > 0;
  }

  add(batch: SharedBatch, viewer: HubViewer, fd: number): void {
    let group = this.groups.get(batch);
    if (!group) {
      group = { viewers: [], fds: [] };
      this.groups.set(batch, group);
    }
    group.viewers.push(viewer);
    group.fds.push(fd);
  }

  /**
   * Sends every group's batch in one call, then hands each viewer with what
   * its socket took (`taken`: 0..length, or a negative errno) to `settle`,
   * which passes on what was not taken. Empties the groups.
   */
  send(settle: (viewer: HubViewer, batch: SharedBatch, taken: number) => void): void {
    for (const [batch, group] of this.groups) {
      const n = group.fds.length;
      if (this.fds.length < n) {
        this.fds = new Int32Array(n * 2);
        this.results = new Int32Array(n * 2);
      }
      const fds = this.fds.subarray(0, n);
      const results = this.results.subarray(0, n);
      fds.set(group.fds);
      this.sender.sendToAll(fds, batch.bytes, results);
      for (let i = 0; i < n; i++) settle(group.viewers[i] as HubViewer, batch, results[i] as number);
    }
    this.groups.clear();
  }
}
