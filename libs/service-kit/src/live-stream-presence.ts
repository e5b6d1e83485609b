import type { z } from 'zod';
import { clusterContracts, streamContracts, type MediaInfo, type PublishProtocol, type StreamEndReasonSchema, type StreamSettings } from '@mediaplane/contracts';
import { BusRequestError, type Bus } from '@mediaplane/messaging';
import type { Logger } from '@mediaplane/observability';
import type { LiveStreamState, LiveStreamStore } from '@mediaplane/sessions';

export type StreamEndReason = z.infer<typeof StreamEndReasonSchema>;

export interface LiveStreamPresenceDeps {
  bus: Bus;
  store: LiveStreamStore;
  /** This instance's id (LiveStreamState.node and the events' `node`). */
  node: string;
  /** How long the live-state entry outlives its last refresh. */
  ttlMs: number;
  /** How long a takeover waits for the replaced publisher to let go (default 5 s). */
  takeoverWaitMs?: number;
  logger: Logger;
}

export interface PublishSessionIdentity {
  streamId: string;
  sessionId: string;
  protocol: PublishProtocol;
  startedAt: Date;
}

const DEFAULT_TAKEOVER_WAIT_MS = 5000;

/**
 * What a refresh found: still ours; ours again after it had expired; taken by
 * another session; gone while our session is ending (left gone); or not written.
 */
export type LeaseRefresh = 'held' | 'reclaimed' | 'lost' | 'ending' | 'failed';

/**
 * How one publish session, whatever its protocol (RTMP/SRT in ingest, WHIP in
 * the SFU), is present in the cluster: its live-state entry (claimed with SET
 * NX, refreshed under a TTL, taken back when Redis forgot it, released only by
 * its owner) and its `stream.started` / `stream.ended` events, each sent once
 * under a message id derived from the session so a retry is deduplicated.
 */
export class LiveStreamPresence {
  constructor(
    private readonly session: PublishSessionIdentity,
    private readonly deps: LiveStreamPresenceDeps,
  ) {}

  /**
   * Takes the stream cluster-wide; false when another publisher (any protocol,
   * any node) holds it. With `takeover` (the API asked for it) the session
   * found live is kicked — that one only, by its session id — and the claim
   * is retried until it is released or `takeoverWaitMs` runs out.
   */
  async claim(state: LiveStreamState, takeover = false): Promise<boolean> {
    if (await this.deps.store.claim(state, this.deps.ttlMs)) return true;
    const holder = await this.deps.store.get(this.session.streamId);
    if (holder && (await this.holderIsGone(holder))) {
      // Its node died (SIGKILL, crash) without releasing: the publisher reconnecting here should not wait out the TTL.
      this.deps.logger.warn({ staleSession: holder.sessionId, node: holder.node }, 'live state held by a node that is gone; taking it over');
      await this.deps.store.release(this.session.streamId, holder.sessionId);
      if (await this.deps.store.claim(state, this.deps.ttlMs)) return true;
    }
    if (!takeover) return false;
    if (holder) {
      this.deps.logger.info({ replacing: holder.sessionId, node: holder.node }, 'takeover: ending the live publisher');
      await this.deps.bus.publish(
        streamContracts.streamKick,
        { streamId: this.session.streamId },
        { streamId: this.session.streamId, reason: 'takeover', sessionId: holder.sessionId },
      );
    }
    const deadline = Date.now() + (this.deps.takeoverWaitMs ?? DEFAULT_TAKEOVER_WAIT_MS);
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      if (await this.deps.store.claim(state, this.deps.ttlMs)) return true;
    }
    return false;
  }

  /**
   * Whether the instance holding the entry is gone: only a NATS "no responders"
   * to its own ping subject says so (its connection closed with the process).
   * A timeout (a slow or hung node) or an error is not proof: the entry stays.
   */
  private async holderIsGone(holder: LiveStreamState): Promise<boolean> {
    if (holder.node === this.deps.node || !/^[A-Za-z0-9_-]+$/.test(holder.node)) return false;
    try {
      await this.deps.bus.request(clusterContracts.nodePing, { instanceId: holder.node }, { from: this.deps.node }, { timeoutMs: 1000 });
      return false;
    } catch (error) {
      return error instanceof BusRequestError && error.code === 'no_responders';
    }
  }

  /**
   * Writes the latest state. When the entry is gone (Redis was unreachable past
   * the TTL) it is claimed again, unless the session is no longer `wanted`;
   * 'lost' means another session holds the stream now and ours must end.
   */
  async refresh(state: LiveStreamState, wanted: () => boolean): Promise<LeaseRefresh> {
    try {
      if (await this.deps.store.update(state, this.deps.ttlMs)) return 'held';
      if (!wanted()) return 'ending';
      if (await this.deps.store.claim(state, this.deps.ttlMs)) {
        this.deps.logger.warn('live state had expired; claimed it again');
        return 'reclaimed';
      }
      this.deps.logger.warn('another session holds this stream now; ending ours');
      return 'lost';
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'live state not refreshed');
      return 'failed';
    }
  }

  /** Deletes the entry if it is still ours; a failure is logged (the TTL removes it anyway). */
  async release(): Promise<void> {
    await this.deps.store
      .release(this.session.streamId, this.session.sessionId)
      .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'live state not released'));
  }

  /** Sends `stream.started`; resolves false (and logs) when it could not be published. */
  async announceStarted(media: MediaInfo, settings?: StreamSettings): Promise<boolean> {
    try {
      await this.deps.bus.publish(
        streamContracts.streamStarted,
        { streamId: this.session.streamId },
        { ...this.eventBase(), media, ...(settings ? { settings } : {}) },
        { msgId: `${this.session.sessionId}:started` },
      );
      this.deps.logger.info({ media }, 'stream started');
      return true;
    } catch (error) {
      this.deps.logger.error({ err: error }, 'streamStarted not published');
      return false;
    }
  }

  /** Sends `stream.ended`; a failure is logged. */
  async announceEnded(reason: StreamEndReason, endedAt: Date, bytesIn: number): Promise<void> {
    try {
      await this.deps.bus.publish(
        streamContracts.streamEnded,
        { streamId: this.session.streamId },
        { ...this.eventBase(), reason, endedAt: endedAt.toISOString(), bytesIn },
        { msgId: `${this.session.sessionId}:ended` },
      );
    } catch (error) {
      this.deps.logger.error({ err: error }, 'streamEnded not published');
    }
  }

  private eventBase() {
    const { streamId, sessionId, protocol, startedAt } = this.session;
    return { streamId, sessionId, protocol, node: this.deps.node, startedAt: startedAt.toISOString() };
  }
}
