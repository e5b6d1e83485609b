import type {
  CreatedStream,
  DeviceList,
  KickResult,
  NodeList,
  PlaybackToken,
  RestreamOutputList,
  RestreamOutputView,
  RotatedKey,
  SrtPublishSettings,
  StartedCapture,
  StoppedCapture,
  StreamList,
  StreamView,
} from '@mediaplane/contracts';

/** The control-plane API as the dashboard uses it. */

// The response types come from the schemas the control plane validates and documents its API with.
export type {
  CreatedStream,
  IngestUrlsView as IngestUrls,
  KickResult,
  LiveStateView as LiveState,
  NodeView,
  DeviceView,
  PlaybackToken,
  PlaybackUrlsView as PlaybackUrls,
  Rendition,
  RotatedKey,
  SrtLinkView as SrtLink,
  SrtPublishSettings,
  SrtSettingsView,
  StreamView as Stream,
  RestreamOutputView as RestreamOutput,
} from '@mediaplane/contracts';

/** PATCH /streams/{id} `srt`: an absent field stays, `null` removes it. */
export type SrtSettingsUpdate = { [K in keyof SrtPublishSettings]?: Exclude<SrtPublishSettings[K], undefined> | null };

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

  streams(): Promise<StreamList> {
    return this.call('GET', '/api/v1/streams');
  }

  stream(id: string): Promise<StreamView> {
    return this.call('GET', `/api/v1/streams/${encodeURIComponent(id)}`);
  }

  createStream(body: { name: string; private: boolean; record: boolean; srt?: SrtPublishSettings }): Promise<CreatedStream> {
    return this.call('POST', '/api/v1/streams', body);
  }

  updateSrt(id: string, srt: SrtSettingsUpdate): Promise<StreamView> {
    return this.call('PATCH', `/api/v1/streams/${encodeURIComponent(id)}`, { srt });
  }

  rotateKey(id: string): Promise<RotatedKey> {
    return this.call('POST', `/api/v1/streams/${encodeURIComponent(id)}/rotate-key`);
  }

  kick(id: string): Promise<KickResult> {
    return this.call('POST', `/api/v1/streams/${encodeURIComponent(id)}/kick`);
  }

  deleteStream(id: string): Promise<void> {
    return this.call('DELETE', `/api/v1/streams/${encodeURIComponent(id)}`);
  }

  playbackToken(id: string, ttlSeconds: number): Promise<PlaybackToken> {
    return this.call('POST', `/api/v1/streams/${encodeURIComponent(id)}/playback-tokens`, { ttlSeconds });
  }

  restreamOutputs(id: string): Promise<RestreamOutputList> {
    return this.call('GET', `/api/v1/streams/${encodeURIComponent(id)}/outputs`);
  }

  addRestreamOutput(id: string, body: { url: string; name?: string }): Promise<RestreamOutputView> {
    return this.call('POST', `/api/v1/streams/${encodeURIComponent(id)}/outputs`, body);
  }

  removeRestreamOutput(id: string, outputId: string): Promise<void> {
    return this.call('DELETE', `/api/v1/streams/${encodeURIComponent(id)}/outputs/${encodeURIComponent(outputId)}`);
  }

  devices(): Promise<DeviceList> {
    return this.call('GET', '/api/v1/devices');
  }

  startCapture(deviceId: string, body: { output: 'rtmp' | 'srt' | 'whip'; quality: { preset: '360p' | '480p' | '720p' | '1080p' } }): Promise<StartedCapture> {
    return this.call('POST', `/api/v1/devices/${encodeURIComponent(deviceId)}/capture`, body);
  }

  stopCapture(deviceId: string): Promise<StoppedCapture> {
    return this.call('DELETE', `/api/v1/devices/${encodeURIComponent(deviceId)}/capture`);
  }

  nodes(): Promise<NodeList> {
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
