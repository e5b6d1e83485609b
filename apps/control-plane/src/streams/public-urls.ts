import type { ControlPlaneConfig } from '../control-plane.config';
import type { IngestUrlsView, SrtPublishSettings, StreamView } from '@mediaplane/contracts';
import { formatSrtStreamId } from '@mediaplane/sessions';

type UrlConfig = Pick<
  ControlPlaneConfig,
  | 'MEDIAPLANE_PUBLIC_HOST'
  | 'MEDIAPLANE_PUBLIC_RTMP_URL'
  | 'MEDIAPLANE_PUBLIC_RTMPS_URL'
  | 'MEDIAPLANE_PUBLIC_SRT_URL'
  | 'MEDIAPLANE_PUBLIC_WHIP_URL'
  | 'MEDIAPLANE_PUBLIC_FLV_URL'
  | 'MEDIAPLANE_PUBLIC_HLS_URL'
  | 'MEDIAPLANE_PUBLIC_WHEP_URL'
  | 'MEDIAPLANE_PUBLIC_API_URL'
  | 'CONTROL_PLANE_HTTP_PORT'
>;

/**
 * The publish and playback URLs of PLATFORM.md, built from the configured
 * public bases. Keys only ever go into ingest URLs, which are shown in the
 * create and rotate-key responses and nowhere else.
 */
export class PublicUrls {
  private readonly rtmp: string;
  private readonly rtmps?: string;
  private readonly srt: string;
  private readonly whip: string;
  private readonly flv: string;
  private readonly hls: string;
  private readonly whep: string;
  private readonly api: string;

  constructor(config: UrlConfig) {
    const host = config.MEDIAPLANE_PUBLIC_HOST;
    this.rtmp = config.MEDIAPLANE_PUBLIC_RTMP_URL ?? `rtmp://${host}:1935/live`;
    this.rtmps = config.MEDIAPLANE_PUBLIC_RTMPS_URL;
    this.srt = config.MEDIAPLANE_PUBLIC_SRT_URL ?? `srt://${host}:9000`;
    this.whip = config.MEDIAPLANE_PUBLIC_WHIP_URL ?? `http://${host}:8083/whip`;
    this.flv = config.MEDIAPLANE_PUBLIC_FLV_URL ?? `http://${host}:8081/live`;
    this.hls = config.MEDIAPLANE_PUBLIC_HLS_URL ?? `http://${host}:8082/hls`;
    this.whep = config.MEDIAPLANE_PUBLIC_WHEP_URL ?? `http://${host}:8083/whep`;
    this.api = config.MEDIAPLANE_PUBLIC_API_URL ?? `http://${host}:${config.CONTROL_PLANE_HTTP_PORT}/api/v1`;
  }

  /**
   * The SRT URL is FFmpeg's (and OBS's) form: the streamid as-is, since FFmpeg
   * 5.1 and srt-live-transmit do not percent-decode query values (tested:
   * `%23%21…` reaches the listener verbatim), the passphrase verbatim (the API
   * admits URL-safe characters only) and `latency` in microseconds.
   */
  ingest(streamId: string, streamKey: string, srt: SrtPublishSettings = {}): IngestUrlsView {
    // The one streamid grammar, shared with the ingest that parses it (libs/sessions).
    const streamid = formatSrtStreamId({ mode: 'publish', streamKey });
    let srtUrl = `${this.srt}?streamid=${streamid}`;
    if (srt.passphrase) srtUrl += `&passphrase=${srt.passphrase}&pbkeylen=${srt.keyLength ?? 16}`;
    if (srt.latencyMs !== undefined) srtUrl += `&latency=${srt.latencyMs * 1000}`;
    const urls: IngestUrlsView = {
      rtmp: `${this.rtmp}/${streamKey}`,
      rtmpServer: this.rtmp,
      srt: srtUrl,
      srtStreamId: streamid,
      whip: `${this.whip}/${streamId}`,
    };
    if (this.rtmps) urls.rtmps = `${this.rtmps}/${streamKey}`;
    return urls;
  }

  /** Publish endpoints without the key, for every view after creation. */
  ingestServers(streamId: string): StreamView['ingest'] {
    return { rtmpServer: this.rtmp, srtServer: this.srt, whip: `${this.whip}/${streamId}` };
  }

  /** With a token, `?token=` on each URL; SRT has no path to put it on, so it rides in the streamid as `,s=` (SRT access control's session id). */
  playback(streamId: string, token?: string): StreamView['playback'] {
    const q = token ? `?token=${encodeURIComponent(token)}` : '';
    // Tokens are base64url and dots: nothing to escape, and FFmpeg would not unescape it anyway.
    const srtStreamId = formatSrtStreamId({ mode: 'request', streamId, ...(token ? { token } : {}) });
    return {
      hls: `${this.hls}/${streamId}/master.m3u8${q}`,
      flv: `${this.flv}/${streamId}.flv${q}`,
      wsflv: `${this.flv.replace(/^http/, 'ws')}/${streamId}.flv${q}`,
      rtmp: `${this.rtmp}/${streamId}${q}`,
      whep: `${this.whep}/${streamId}${q}`,
      srt: `${this.srt}?streamid=${srtStreamId}`,
      snapshot: `${this.api}/streams/${streamId}/snapshot.jpg${q}`,
    };
  }
}
