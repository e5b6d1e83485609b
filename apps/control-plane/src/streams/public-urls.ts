import type { ControlPlaneConfig } from '../control-plane.config';
import type { IngestUrlsView, StreamView } from '@mediaplane/contracts';

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

  ingest(streamId: string, streamKey: string): IngestUrlsView {
    const urls: IngestUrlsView = {
      rtmp: `${this.rtmp}/${streamKey}`,
      rtmpServer: this.rtmp,
      srt: `${this.srt}?streamid=#!::r=live/${streamKey},m=publish`,
      whip: `${this.whip}/${streamId}`,
    };
    if (this.rtmps) urls.rtmps = `${this.rtmps}/${streamKey}`;
    return urls;
  }

  /** Publish endpoints without the key, for every view after creation. */
  ingestServers(streamId: string): StreamView['ingest'] {
    return { rtmpServer: this.rtmp, srtServer: this.srt, whip: `${this.whip}/${streamId}` };
  }

  playback(streamId: string, token?: string): StreamView['playback'] {
    const q = token ? `?token=${encodeURIComponent(token)}` : '';
    return {
      hls: `${this.hls}/${streamId}/master.m3u8${q}`,
      flv: `${this.flv}/${streamId}.flv${q}`,
      wsflv: `${this.flv.replace(/^http/, 'ws')}/${streamId}.flv${q}`,
      rtmp: `${this.rtmp}/${streamId}${q}`,
      whep: `${this.whep}/${streamId}${q}`,
      snapshot: `${this.api}/streams/${streamId}/snapshot.jpg${q}`,
    };
  }
}
