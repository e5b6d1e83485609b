import { Inject, Injectable } from '@nestjs/common';
import { streamContracts, type PublishProtocol } from '@mediaplane/contracts';
import { BusRequestError, type Bus } from '@mediaplane/messaging';
import { context } from '@opentelemetry/api';
import { getTracer, type Logger } from '@mediaplane/observability';
import type { Redis } from 'ioredis';
import { APP_CONFIG, BUS, INSTANCE_ID, LOGGER, REDIS } from '@mediaplane/service-kit';
import { AuthFailureStore, ClusterAuthFailureThrottle, hashStreamKey, publishAuthKeys, isStreamKeyShaped, normalizeAddress } from '@mediaplane/sessions';
import type { IngestConfig } from '../ingest.config';
import { IngestMetrics } from '../observability/ingest-metrics';
import type { PublishGrant } from './publisher-handle';

export type PublishRefusal = 'invalid_key' | 'unknown_key' | 'rate_limited' | 'unavailable' | 'busy' | 'bad_app';

export interface AuthorizeOptions {
  /**
   * false for a caller that cannot hold its answer back (SRT decides inside
   * libsrt's handshake, and waiting there stalls every connection on the
   * port): an address that owes a delay is refused at once as rate_limited
   * (without a lookup), instead of being answered late.
   */
  wait?: boolean;
  /** Bound on the control plane's answer (default MEDIAPLANE_REQUEST_TIMEOUT_MS). */
  timeoutMs?: number;
}

export type AuthorizeOutcome = { ok: true; grant: PublishGrant } | { ok: false; reason: PublishRefusal; description: string };

/**
 * Decides whether a stream key may publish: asks the control plane over
 * NATS with the key's SHA-256 (never the key), fails closed when nobody
 * answers in time, and slows down addresses that keep failing — counted
 * cluster-wide in Redis, so spreading guesses over ingest nodes gains
 * nothing (ClusterAuthFailureThrottle; on Redis errors it falls back to
 * this node's own count). Every refusal is counted and announced as
 * publishRejected, without the key.
 */
@Injectable()
export class PublishAuthorizer {
  private readonly throttle: ClusterAuthFailureThrottle;
  private lastStoreErrorLog = 0;
  private readonly tracer = getTracer('mediaplane.ingest');

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) private readonly config: IngestConfig,
    @Inject(INSTANCE_ID) private readonly instanceId: string,
    private readonly metrics: IngestMetrics,
    @Inject(REDIS) redis: Redis,
  ) {
    const store = new AuthFailureStore(redis, publishAuthKeys(config.MEDIAPLANE_NAMESPACE).failures, {
      windowMs: config.INGEST_AUTH_FAILURE_WINDOW_MS,
      window: 'sliding',
    });
    this.throttle = new ClusterAuthFailureThrottle(
      store,
      {
        baseDelayMs: config.INGEST_AUTH_BACKOFF_BASE_MS,
        maxDelayMs: config.INGEST_AUTH_BACKOFF_MAX_MS,
        maxFailures: config.INGEST_AUTH_MAX_FAILURES,
        forgetAfterMs: config.INGEST_AUTH_FAILURE_WINDOW_MS,
      },
      (error) => this.onStoreError(error),
    );
  }

  /** Redis did not answer the throttle: this node's own count decides meanwhile (fail open to per-node limits). */
  private onStoreError(error: unknown): void {
    this.metrics.authThrottleStoreErrors.inc();
    if (Date.now() - this.lastStoreErrorLog < 10_000) return;
    this.lastStoreErrorLog = Date.now();
    this.logger.warn({ err: error }, 'auth failure counts unavailable in Redis; throttling with this node\'s own counts');
  }

  async authorize(protocol: PublishProtocol, streamKey: string, remoteAddress: string | undefined, options: AuthorizeOptions = {}): Promise<AuthorizeOutcome> {
    const address = normalizeAddress(remoteAddress);
    if (!this.throttle.begin(address)) return this.fail(protocol, address, 'rate_limited', 'too many publish attempts at once; try again later', true);
    // The root of the publish's trace: the session started on this grant continues it (stream.started → transcode job).
    return this.tracer.startActiveSpan('publish authorize', { attributes: { 'mediaplane.protocol': protocol } }, async (span) => {
      try {
        const outcome = await this.decide(protocol, streamKey, address, options);
        if (outcome.ok) {
          span.setAttribute('mediaplane.stream_id', outcome.grant.streamId);
          outcome.grant.traceContext = context.active();
        } else span.setAttribute('mediaplane.refusal', outcome.reason);
        return outcome;
      } finally {
        span.end();
        this.throttle.finish(address);
      }
    });
  }

  private async decide(protocol: PublishProtocol, streamKey: string, address: string, options: AuthorizeOptions): Promise<AuthorizeOutcome> {
    const verdict = await this.throttle.verdict(address);
    if (options.wait === false) {
      // Same bound on guesses, without holding the answer: come back once the delay has passed.
      if (!verdict.blocked && verdict.retryAfterMs > 0) return this.fail(protocol, address, 'rate_limited', 'too many failed attempts; try again shortly', false);
    } else if (verdict.delayMs > 0) {
      // The delay comes before the answer, whatever it is, so guessing gets slower with every miss.
      await sleep(verdict.delayMs);
    }
    if (verdict.blocked) return this.fail(protocol, address, 'rate_limited', 'too many failed attempts; try again later', false);
    if (!isStreamKeyShaped(streamKey)) return this.fail(protocol, address, 'invalid_key', 'unknown stream key', true);

    let response;
    try {
      response = await this.bus.request(
        streamContracts.publishAuthorize,
        {},
        { protocol, keyHash: hashStreamKey(streamKey), remoteAddress: address.slice(0, 64), node: this.instanceId },
        { timeoutMs: Math.min(options.timeoutMs ?? Infinity, this.config.MEDIAPLANE_REQUEST_TIMEOUT_MS) },
      );
    } catch (error) {
      // Fail closed: without an answer from the control plane nobody publishes.
      const code = error instanceof BusRequestError ? error.code : 'error';
      this.logger.warn({ code, remoteAddress: address }, 'publish authorization unavailable; refusing');
      return this.fail(protocol, address, 'unavailable', 'authorization unavailable; try again later', false);
    }
    if (!response.ok) {
      const countsAsFailure = response.reason === 'unknown_key';
      return this.fail(
        protocol,
        address,
        response.reason,
        response.reason === 'unknown_key' ? 'unknown stream key' : response.message.slice(0, 200),
        countsAsFailure,
      );
    }
    await this.throttle.recordSuccess(address);
    const { streamId, name, record, ladder, takeover, srt } = response;
    return {
      ok: true,
      grant: { streamId, name, private: response.private, record, ...(ladder ? { ladder } : {}), ...(takeover ? { takeover } : {}), ...(srt ? { srt } : {}) },
    };
  }

  /** A refusal decided after authorization (the stream is already live), announced like the others. */
  refuse(protocol: PublishProtocol, remoteAddress: string | undefined, reason: PublishRefusal, description: string, streamId?: string): AuthorizeOutcome {
    return this.fail(protocol, normalizeAddress(remoteAddress), reason, description, false, streamId);
  }

  private fail(
    protocol: PublishProtocol,
    address: string,
    reason: PublishRefusal,
    description: string,
    countsAsFailure: boolean,
    streamId?: string,
  ): AuthorizeOutcome {
    // Not awaited: the refusal goes out at once; the count lands in Redis a round trip later.
    if (countsAsFailure) void this.throttle.recordFailure(address);
    this.metrics.publishRejections.inc({ reason });
    if (reason === 'invalid_key' || reason === 'unknown_key' || reason === 'rate_limited') this.metrics.authFailures.inc({ kind: 'publish', reason });
    // Never the key: the log names the stream (when known) or says "unknown key".
    this.logger.info(
      { protocol, reason, remoteAddress: address, streamId: streamId ?? (reason === 'unknown_key' || reason === 'invalid_key' ? 'unknown key' : undefined) },
      'publish refused',
    );
    void this.bus
      .publish(
        streamContracts.publishRejected,
        {},
        { protocol, reason, remoteAddress: address.slice(0, 64), ...(streamId ? { streamId } : {}), at: new Date().toISOString() },
      )
      .catch((error: unknown) => this.logger.warn({ err: error }, 'publishRejected not published'));
    return { ok: false, reason, description };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
