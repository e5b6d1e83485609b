import { Inject, Injectable } from '@nestjs/common';
import { streamContracts, type Ladder } from '@mediaplane/contracts';
import { BusRequestError, type Bus } from '@mediaplane/messaging';
import type { Logger } from '@mediaplane/observability';
import type { Redis } from 'ioredis';
import { APP_CONFIG, BUS, INSTANCE_ID, LOGGER, REDIS } from '@mediaplane/service-kit';
import { AuthFailureStore, ClusterAuthFailureThrottle, hashStreamKey, isStreamKeyShaped, normalizeAddress, publishAuthKeys } from '@mediaplane/sessions';
import { SfuMetrics } from '../metrics/sfu-metrics';
import type { SfuConfig } from '../sfu.config';

/** What the control plane decided for this publish: the stream's settings for the whole session. */
export interface WhipGrant {
  streamId: string;
  name: string;
  private: boolean;
  record: boolean;
  ladder?: Ladder;
  /** The API asked for takeover: replace a live publisher instead of being refused. */
  takeover?: boolean;
}

export type WhipAuthorization = { ok: true; grant: WhipGrant } | { ok: false; status: 401 | 429 | 503; message: string };

/** Failed attempts are forgotten this long after the last one (a sliding window, as at ingest). */
const FAILURE_WINDOW_MS = 10 * 60_000;

/**
 * Decides a WHIP publish over the same NATS request as RTMP: only the key's
 * SHA-256 travels, nobody answering means no (fail closed), and addresses
 * that keep failing are slowed down and then refused — counted in Redis with
 * ingest's counts (publishAuthKeys), so an address guessing keys is slowed on
 * every SFU and ingest node alike; on Redis errors this node's own count
 * decides meanwhile.
 */
@Injectable()
export class WhipAuthorizer {
  private readonly throttle: ClusterAuthFailureThrottle;
  private lastStoreErrorLog = 0;

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) private readonly config: SfuConfig,
    @Inject(INSTANCE_ID) private readonly instanceId: string,
    private readonly metrics: SfuMetrics,
    @Inject(REDIS) redis: Redis,
  ) {
    const store = new AuthFailureStore(redis, publishAuthKeys(config.MEDIAPLANE_NAMESPACE).failures, { windowMs: FAILURE_WINDOW_MS, window: 'sliding' });
    this.throttle = new ClusterAuthFailureThrottle(store, { baseDelayMs: 500, maxDelayMs: 8000, maxFailures: 20, forgetAfterMs: FAILURE_WINDOW_MS }, (error) =>
      this.onStoreError(error),
    );
  }

  /** Redis did not answer the throttle: this node's own count decides meanwhile (fail open to per-node limits). */
  private onStoreError(error: unknown): void {
    this.metrics.authFailures.inc({ kind: 'whip', reason: 'throttle_store_error' });
    if (Date.now() - this.lastStoreErrorLog < 10_000) return;
    this.lastStoreErrorLog = Date.now();
    this.logger.warn({ err: error }, "auth failure counts unavailable in Redis; throttling with this node's own counts");
  }

  async authorize(streamId: string, streamKey: string | undefined, remoteAddress: string | undefined): Promise<WhipAuthorization> {
    const address = normalizeAddress(remoteAddress);
    if (!this.throttle.begin(address)) return this.refuse(address, 429, 'rate_limited', 'too many publish attempts at once; try again later', false);
    try {
      const verdict = await this.throttle.verdict(address);
      // The delay comes before the answer, whatever it is, so guessing gets slower with every miss.
      if (verdict.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, verdict.delayMs));
      if (verdict.blocked) return await this.refuse(address, 429, 'rate_limited', 'too many failed attempts; try again later', false);
      if (!streamKey || !isStreamKeyShaped(streamKey))
        return await this.refuse(address, 401, 'unknown_key', 'a valid stream key is required as Authorization: Bearer', true);
      let response;
      try {
        response = await this.bus.request(
          streamContracts.publishAuthorize,
          {},
          { protocol: 'whip', keyHash: hashStreamKey(streamKey), remoteAddress: address.slice(0, 64), node: this.instanceId },
          { timeoutMs: this.config.MEDIAPLANE_REQUEST_TIMEOUT_MS },
        );
      } catch (error) {
        const code = error instanceof BusRequestError ? error.code : 'error';
        this.logger.warn({ code, remoteAddress: address }, 'publish authorization unavailable; refusing');
        return await this.refuse(address, 503, 'unavailable', 'authorization unavailable; try again later', false);
      }
      if (!response.ok) {
        if (response.reason === 'unknown_key') return await this.refuse(address, 401, 'unknown_key', 'unknown stream key', true);
        if (response.reason === 'rate_limited') return await this.refuse(address, 429, 'rate_limited', 'too many publish attempts; try again later', false);
        return await this.refuse(address, 503, 'unavailable', 'authorization unavailable; try again later', false);
      }
      // The key must be this stream's: a key for another stream cannot publish here.
      if (response.streamId !== streamId) return await this.refuse(address, 401, 'wrong_stream', 'the stream key does not belong to this stream', true);
      await this.throttle.recordSuccess(address);
      const { name, private: isPrivate, record, ladder, takeover } = response;
      return { ok: true, grant: { streamId, name, private: isPrivate, record, ...(ladder ? { ladder } : {}), ...(takeover ? { takeover } : {}) } };
    } finally {
      this.throttle.finish(address);
    }
  }

  /** A refusal; one that counts as a failure resolves once the failure is counted (Redis or, failing that, locally). */
  private async refuse(address: string, status: 401 | 429 | 503, reason: string, message: string, countsAsFailure: boolean): Promise<WhipAuthorization> {
    if (countsAsFailure) await this.throttle.recordFailure(address);
    this.metrics.authFailures.inc({ kind: 'whip', reason });
    // Never the key: the log names the address and the reason only.
    this.logger.info({ protocol: 'whip', reason, remoteAddress: address }, 'publish refused');
    void this.bus
      .publish(streamContracts.publishRejected, {}, { protocol: 'whip', reason, remoteAddress: address.slice(0, 64), at: new Date().toISOString() })
      .catch((error: unknown) => this.logger.warn({ err: error }, 'publishRejected not published'));
    return { ok: false, status, message };
  }
}
