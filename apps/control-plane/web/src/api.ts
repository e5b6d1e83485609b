/** The control-plane API as the dashboard uses it (types mirror the OpenAPI schemas at /api/docs-json). */

export type PlaybackProtocol = 'rtmp' | 'flv' | 'wsflv' | 'hls' | 'whep';

export interface PlaybackUrls {
  hls: string;
  flv: string;
  wsflv: string;
  rtmp: string;
  whep: string;
  snapshot: string;
}

export interface IngestUrls {
  rtmp: string;
  rtmpServer: string;
  rtmps?: string;
  srt: string;
  whip: string;
}

export interface LiveState {
  protocol: string;
  node: string;
  startedAt: string;
  uptimeSeconds: number;
  codecs: string[];
  width: number | null;
  height: number | null;
  fps: number | null;
  bitrateKbps: number;
  viewers: Partial<Record<PlaybackProtocol, number>>;
  viewersTotal: number;
}

export interface Rendition {
  name: string;
  width: number;
  height: number;
  /** Peak bits per second (the master playlist's BANDWIDTH). */
  bandwidth: number;
  codecs: string;
  frameRate?: number;
}

export interface Stream {
  id: string;
  name: string;
  private: boolean;
  record: boolean;
  createdAt: string;
  live: boolean;
  state: LiveState | null;
  renditions: Rendition[];
  ingest: { rtmpServer: string; srtServer: string; whip: string };
  playback: PlaybackUrls;
}

export interface CreatedStream {
  id: string;
  name: string;
  streamKey: string;
  ingest: IngestUrls;
  playback: PlaybackUrls;
}

export interface NodeView {
  app: string;
  id: string;
  version: string;
  address: string;
  ports: Record<string, number>;
  health: 'ready' | 'not-ready';
  load: { cpu: number; rssBytes: number; eventLoopLagMs: number; units: Record<string, number> };
  lastSeenAt: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const TOKEN_STORAGE = 'mediaplane.adminToken';

export function storedToken(): string | null {
  return sessionStorage.getItem(TOKEN_STORAGE);
}

export function storeToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_STORAGE, token);
  else sessionStorage.removeItem(TOKEN_STORAGE);
}

export class Api {
  /** Called on any 401 so the app can send the operator back to sign-in. */
  onUnauthorized: () => void = () => undefined;

  constructor(private readonly token: string) {}

  streams(): Promise<{ streams: Stream[] }> {
    return this.call('GET', '/api/v1/streams');
  }

  stream(id: string): Promise<Stream> {
    return this.call('GET', `/api/v1/streams/${encodeURIComponent(id)}`);
  }

  createStream(body: { name: string; private: boolean; record: boolean }): Promise<CreatedStream> {
    return this.call('POST', '/api/v1/streams', body);
  }

  rotateKey(id: string): Promise<{ id: string; streamKey: string; ingest: IngestUrls }> {
    return this.call('POST', `/api/v1/streams/${encodeURIComponent(id)}/rotate-key`);
  }

  kick(id: string): Promise<{ wasLive: boolean }> {
    return this.call('POST', `/api/v1/streams/${encodeURIComponent(id)}/kick`);
  }

  deleteStream(id: string): Promise<void> {
    return this.call('DELETE', `/api/v1/streams/${encodeURIComponent(id)}`);
  }

  playbackToken(id: string, ttlSeconds: number): Promise<{ token: string; expiresAt: string; playback: PlaybackUrls }> {
    return this.call('POST', `/api/v1/streams/${encodeURIComponent(id)}/playback-tokens`, { ttlSeconds });
  }

  nodes(): Promise<{ nodes: NodeView[] }> {
    return this.call('GET', '/api/v1/nodes');
  }

  /** The snapshot as an object URL (the admin token goes in a header, which an <img> cannot send). */
  async snapshotUrl(id: string): Promise<string | null> {
    const res = await fetch(`/api/v1/streams/${encodeURIComponent(id)}/snapshot.jpg`, { headers: this.headers(), cache: 'no-store' });
    if (!res.ok) return null;
    return URL.createObjectURL(await res.blob());
  }

  private headers(): Record<string, string> {
    return { authorization: `Bearer ${this.token}` };
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(path, {
      method,
      headers: { ...this.headers(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
    if (res.status === 401) this.onUnauthorized();
    if (res.status === 204) return undefined as T;
    const data = (await res.json().catch(() => ({}))) as { message?: unknown };
    if (!res.ok) throw new ApiError(res.status, Array.isArray(data.message) ? data.message.join('; ') : String(data.message ?? res.statusText));
    return data as T;
  }
}
