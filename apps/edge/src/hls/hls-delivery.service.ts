import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { HlsOrigin } from '@mediaplane/contracts';
import { APP_CONFIG } from '@mediaplane/service-kit';
import { ByteLruCache } from '../cache/byte-lru-cache';
import { RequestCoalescer } from '../cache/request-coalescer';
import type { EdgeConfig } from '../edge.config';
import { EdgeMetrics } from '../metrics/edge-metrics.service';
import { OriginChanges } from '../origin/origin-changes';
import { OriginClient, OriginUnavailableError } from '../origin/origin-client.service';
import { OriginDirectory, type StreamLocation } from '../origin/origin-directory.service';
import { isPlaylist, originPath, type HlsObject } from './hls-object';
import { boundDirectives } from './ll-hls-directives';

export interface CachedObject {
  status: number;
  body: Buffer;
  contentType: string;
}

export type Delivery =
  { ok: true; object: CachedObject; cache: 'hit' | 'miss' | 'coalesced' | 'stale' } | { ok: false; status: 400 | 404 | 502 | 503 | 504; message: string };

/**
 * While the stream is live its HLS can only be starting or moving to another
 * worker (or that worker hangs): players must retry, and treat 404 as fatal.
 */
export const HLS_GAP = {
  ok: false,
  status: 503,
  message: 'the stream is live; its HLS is starting or moving to another worker, retry shortly',
} as const satisfies Delivery;

/**
 * What one cached object costs beyond its body and key: the Map slot, the
 * entry and object records, and the Buffer and ArrayBuffer wrappers — about
 * 460 bytes on Node 24 (measured: 50,000 entries, heap + external after GC).
 * Counted so `EDGE_CACHE_MAX_BYTES` bounds what the cache really holds, small
 * playlists included.
 */
const ENTRY_OVERHEAD_BYTES = 512;

/** What a playlist request's race against a takeover announcement yields when the announcement wins. */
const ORIGIN_CHANGED = Symbol('origin changed');

const CONTENT_TYPES: Record<HlsObject['kind'], string> = {
  master: 'application/vnd.apple.mpegurl',
  media: 'application/vnd.apple.mpegurl',
  segment: 'video/mp2t',
  thumbnail: 'image/jpeg',
};

/**
 * Serves HLS objects from the memory cache, fetching misses from the stream's
 * origin once however many viewers ask at the same moment. Playlists are
 * cached for a fraction of a segment; segments, whose names are unique, for
 * minutes. While an origin is unreachable (a worker died and another is
 * taking over) the last playlist is served stale, so players keep polling
 * instead of failing, and pick up the new worker's continuation.
 */
@Injectable()
export class HlsDeliveryService implements OnModuleDestroy {
  private readonly cache: ByteLruCache<CachedObject>;
  private readonly coalescer = new RequestCoalescer<CachedObject>();
  private readonly pruner: NodeJS.Timeout;

  constructor(
    @Inject(APP_CONFIG) private readonly config: EdgeConfig,
    private readonly directory: OriginDirectory,
    private readonly client: OriginClient,
    private readonly metrics: EdgeMetrics,
    private readonly changes: OriginChanges,
  ) {
    this.cache = new ByteLruCache(config.EDGE_CACHE_MAX_BYTES);
    this.pruner = setInterval(() => {
      this.cache.prune();
      this.metrics.cacheBytes.set(this.cache.bytes);
    }, 5000);
    this.pruner.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.pruner);
  }

  locate(streamId: string): Promise<StreamLocation> {
    return this.directory.locate(streamId);
  }

  async deliver(streamId: string, location: StreamLocation, object: HlsObject): Promise<Delivery> {
    if (object.kind === 'media' && object.directives.msn !== undefined) return this.deliverBlocking(streamId, location, object);
    return this.deliverAsIs(streamId, location, object);
  }

  /**
   * An LL-HLS blocking reload (`_HLS_msn`): judged against the current
   * playlist (itself cached) first, so only the next two segments' worth of
   * distinct requests ever reach the origin.
   */
  private async deliverBlocking(streamId: string, location: StreamLocation, object: Extract<HlsObject, { kind: 'media' }>): Promise<Delivery> {
    const current = await this.deliverAsIs(streamId, location, { ...object, directives: {} });
    if (!current.ok || current.object.status !== 200) return current;
    const bounded = boundDirectives(object.directives, current.object.body.toString('utf8'));
    if (!bounded.ok) return { ok: false, status: 400, message: bounded.message };
    if (Object.keys(bounded.directives).length === 0) return current;
    return this.deliverAsIs(streamId, location, { ...object, directives: bounded.directives });
  }

  private async deliverAsIs(streamId: string, location: StreamLocation, object: HlsObject, afterChange = false): Promise<Delivery> {
    const key = `${streamId}/${originPath(object)}`;
    const fresh = this.cache.get(key);
    if (fresh) return { ok: true, object: fresh, cache: 'hit' };
    const origin = location.origin;
    if (!origin) return this.staleOr(key, object, location.live ? HLS_GAP : { ok: false, status: 404, message: 'unknown stream' });
    // Coalesced per origin: after a takeover, requests that already know the new worker must not wait on a fetch
    // still hanging on the old one (a hung worker answers nothing until the playlist timeout).
    const { result, shared } = this.coalescer.run(`${origin.worker}|${origin.sessionId}|${key}`, () => this.fetch(key, object, origin));
    // A playlist request waiting on a worker that hangs moves to the new worker as soon as a takeover is announced
    // (segments stay with the worker that made them: the new one has none of the old names).
    const change = isPlaylist(object) && !afterChange ? this.changes.next(streamId) : undefined;
    try {
      const outcome = change ? await Promise.race([result, change.changed.then((): typeof ORIGIN_CHANGED => ORIGIN_CHANGED)]) : await result;
      if (outcome === ORIGIN_CHANGED) {
        result.catch(() => undefined); // the abandoned fetch still settles; nobody waits for it now
        return await this.deliverAsIs(streamId, await this.directory.locate(streamId), object, true);
      }
      return { ok: true, object: outcome, cache: shared ? 'coalesced' : 'miss' };
    } catch (error) {
      this.directory.forget(streamId);
      const timeout = error instanceof OriginUnavailableError && error.timeout;
      return this.staleOr(key, object, location.live ? HLS_GAP : { ok: false, status: timeout ? 504 : 502, message: 'the stream origin is unavailable' });
    } finally {
      change?.cancel();
    }
  }

  private async fetch(key: string, object: HlsObject, origin: HlsOrigin): Promise<CachedObject> {
    const stop = this.metrics.originSeconds.startTimer({ kind: object.kind });
    let outcome = 'error';
    try {
      const timeoutMs = isPlaylist(object) ? this.config.EDGE_ORIGIN_PLAYLIST_TIMEOUT_MS : this.config.EDGE_ORIGIN_TIMEOUT_MS;
      const res = await this.client.fetch(origin, originPath(object), timeoutMs);
      outcome = String(res.status);
      const cached: CachedObject = {
        status: res.status === 200 ? 200 : 404,
        body: res.status === 200 ? res.body : Buffer.alloc(0),
        contentType: CONTENT_TYPES[object.kind],
      };
      if (cached.status === 200) this.store(key, object, cached);
      else if (isPlaylist(object) && this.cache.getStale(key)) throw new OriginUnavailableError(`origin has no ${object.kind} playlist`, false);
      return cached;
    } finally {
      stop();
      this.metrics.originFetches.inc({ kind: object.kind, outcome });
      this.metrics.cacheBytes.set(this.cache.bytes);
    }
  }

  private store(key: string, object: HlsObject, value: CachedObject): void {
    const c = this.config;
    const [fresh, keep] =
      object.kind === 'segment'
        ? [c.EDGE_SEGMENT_CACHE_MS, c.EDGE_SEGMENT_CACHE_MS]
        : object.kind === 'master'
          ? [c.EDGE_MASTER_CACHE_MS, c.EDGE_STALE_PLAYLIST_MS]
          : object.kind === 'media'
            ? [c.EDGE_PLAYLIST_CACHE_MS, c.EDGE_STALE_PLAYLIST_MS]
            : [c.EDGE_MASTER_CACHE_MS, c.EDGE_MASTER_CACHE_MS];
    this.cache.set(key, value, value.body.length + key.length + ENTRY_OVERHEAD_BYTES, fresh, keep);
  }

  private staleOr(key: string, object: HlsObject, failure: Delivery): Delivery {
    if (isPlaylist(object)) {
      const stale = this.cache.getStale(key);
      if (stale) return { ok: true, object: stale.value, cache: 'stale' };
    }
    return failure;
  }
}
