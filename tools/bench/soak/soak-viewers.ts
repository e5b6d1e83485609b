import { parseMaster, parseMedia } from '@mediaplane/testing';
import { openHttpFlvViewer, openRtmpViewer, type BenchViewer } from '../common/bench-viewers';

export type SoakProtocol = 'flv' | 'rtmp' | 'hls';
export const SOAK_PROTOCOLS: readonly SoakProtocol[] = ['flv', 'rtmp', 'hls'];

export interface SoakTargets {
  ingestHttpUrl: string;
  rtmpPort: number;
  edgeHttpUrl: string;
}

/** What the viewers really got, per protocol: sessions that received media, failed attempts, bytes. */
export interface ProtocolServed {
  /** Sessions that received media (a rejoin is a new session). */
  sessions: number;
  /** Opens that failed or got nothing before they ended. */
  failedOpens: number;
  bytes: number;
  /** HLS only: segments fetched. */
  segments: number;
  /** Sessions ended by the server (a publisher leaving ends its viewers). */
  endedByServer: number;
}

interface Seat {
  id: number;
  protocol: SoakProtocol;
  stream: number;
  viewer?: BenchViewer;
  /** Bumped on every (re)open: a late callback of an older session sees it changed and does nothing. */
  generation: number;
  counted: boolean;
}

const REJOIN_DELAY_MS = 1000;

/**
 * A pool of viewers spread round-robin over the streams and the protocols,
 * each of which comes back after its session ends (server closed it, or the
 * churn closed it on purpose), for as long as the pool runs.
 */
export class SoakViewerPool {
  readonly served: Record<SoakProtocol, ProtocolServed>;
  private readonly seats: Seat[];
  private running = true;
  private maxConnected = 0;

  constructor(
    count: number,
    private readonly streamIds: readonly string[],
    private readonly targets: SoakTargets,
  ) {
    this.served = Object.fromEntries(SOAK_PROTOCOLS.map((p) => [p, { sessions: 0, failedOpens: 0, bytes: 0, segments: 0, endedByServer: 0 }])) as Record<
      SoakProtocol,
      ProtocolServed
    >;
    this.seats = Array.from({ length: count }, (_, i) => ({
      id: i,
      protocol: SOAK_PROTOCOLS[i % SOAK_PROTOCOLS.length] as SoakProtocol,
      stream: Math.floor(i / SOAK_PROTOCOLS.length) % streamIds.length,
      generation: 0,
      counted: false,
    }));
  }

  get size(): number {
    return this.seats.length;
  }

  /** Viewers holding a session that received media right now. */
  connected(): number {
    const now = this.seats.filter((s) => s.viewer && s.counted).length;
    this.maxConnected = Math.max(this.maxConnected, now);
    return now;
  }

  get peakConnected(): number {
    return this.maxConnected;
  }

  start(): void {
    this.seats.forEach((seat, i) => setTimeout(() => void this.open(seat), Math.floor(i * 20)));
  }

  /** Closes `fraction` of the viewers, picked at random; each comes back after REJOIN_DELAY_MS. */
  churn(fraction: number): number {
    const picked = this.seats.filter(() => Math.random() < fraction);
    for (const seat of picked) this.close(seat);
    return picked.length;
  }

  stop(): void {
    this.running = false;
    for (const seat of this.seats) this.close(seat);
  }

  private close(seat: Seat): void {
    const viewer = seat.viewer;
    seat.viewer = undefined;
    seat.generation++;
    viewer?.close();
    if (this.running) setTimeout(() => void this.open(seat), REJOIN_DELAY_MS);
  }

  private async open(seat: Seat): Promise<void> {
    if (!this.running || seat.viewer) return;
    const generation = ++seat.generation;
    const served = this.served[seat.protocol];
    seat.counted = false;
    let viewer: BenchViewer;
    try {
      viewer = await this.connect(seat, () => {
        if (seat.generation !== generation || seat.counted) return;
        seat.counted = true;
        served.sessions++;
      });
    } catch {
      served.failedOpens++;
      if (this.running && seat.generation === generation) setTimeout(() => void this.open(seat), REJOIN_DELAY_MS);
      return;
    }
    if (seat.generation !== generation || !this.running) {
      viewer.close();
      return;
    }
    seat.viewer = viewer;
    void viewer.ended.then((reason) => {
      if (seat.generation !== generation) return; // closed by the churn: it rejoins by itself
      served.bytes += viewer.bytesReceived;
      if (!seat.counted) served.failedOpens++;
      if (reason !== 'closed by bench') served.endedByServer++;
      seat.viewer = undefined;
      if (this.running) setTimeout(() => void this.open(seat), REJOIN_DELAY_MS);
    });
  }

  /** Adds the bytes of sessions still open (call once at the end). */
  settleBytes(): void {
    for (const seat of this.seats) if (seat.viewer) this.served[seat.protocol].bytes += seat.viewer.bytesReceived;
  }

  private connect(seat: Seat, onMedia: () => void): Promise<BenchViewer> {
    const streamId = this.streamIds[seat.stream] as string;
    const { targets } = this;
    if (seat.protocol === 'flv') return openHttpFlvViewer(`${targets.ingestHttpUrl}/live/${streamId}.flv`, onMedia);
    if (seat.protocol === 'rtmp') return openRtmpViewer({ host: '127.0.0.1', port: targets.rtmpPort, app: 'live', name: streamId }, onMedia);
    return openHlsPoller(`${targets.edgeHttpUrl}/hls/${streamId}/master.m3u8`, onMedia, (n) => (this.served.hls.segments += n));
  }
}

/**
 * An HLS viewer as a player behaves without decoding: reads the master
 * playlist, follows its first variant, reloads that playlist every half
 * target duration and fetches each new segment once. It ends on ENDLIST or an
 * error, like a player giving up.
 */
export async function openHlsPoller(masterUrl: string, onMedia: () => void, onSegments: (n: number) => void): Promise<BenchViewer> {
  const master = await fetch(masterUrl);
  if (master.status !== 200) {
    await master.body?.cancel();
    throw new Error(`HLS master: ${master.status}`);
  }
  const variant = parseMaster(await master.text()).variants[0];
  if (!variant) throw new Error('HLS master lists no variant');
  const mediaUrl = new URL(variant.uri, masterUrl).toString();
  // The first playlist decides whether this is a live viewer: an ended one (a publisher that just left, whose playlist
  // lingers) is a failed open, retried later, not a session.
  const first = await fetch(mediaUrl);
  if (first.status !== 200) {
    await first.body?.cancel();
    throw new Error(`HLS playlist: ${first.status}`);
  }
  let playlist = parseMedia(await first.text());
  if (playlist.ended) throw new Error('HLS playlist has ended');
  const abort = new AbortController();
  let bytes = 0;
  let closedByUs = false;
  const ended = (async (): Promise<string> => {
    let lastMsn = -1;
    for (;;) {
      // A new viewer starts near the live edge, as players do (the last three segments).
      const fresh = playlist.segments.filter((s) => s.msn > lastMsn).slice(lastMsn < 0 ? -3 : 0);
      for (const segment of fresh) {
        const body = await fetch(new URL(segment.uri, mediaUrl), { signal: abort.signal });
        if (body.status === 200) {
          bytes += (await body.arrayBuffer()).byteLength;
          onSegments(1);
          onMedia();
        } else await body.body?.cancel();
        lastMsn = segment.msn;
      }
      if (playlist.ended) return 'server ended the stream';
      await sleepUnless(abort.signal, Math.max(250, (playlist.targetDuration || 2) * 500));
      if (abort.signal.aborted) return 'closed by bench';
      const res = await fetch(mediaUrl, { signal: abort.signal });
      if (res.status === 503) {
        await res.body?.cancel();
        continue; // a gap (the producer is being replaced): keep the last playlist and ask again
      }
      if (res.status !== 200) {
        await res.body?.cancel();
        return `playlist ${res.status}`;
      }
      playlist = parseMedia(await res.text());
    }
  })().catch((error: unknown) => (closedByUs ? 'closed by bench' : `error: ${(error as Error).message}`));
  return {
    get bytesReceived() {
      return bytes;
    },
    ended,
    close: () => {
      closedByUs = true;
      abort.abort();
    },
  };
}

function sleepUnless(signal: AbortSignal, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
