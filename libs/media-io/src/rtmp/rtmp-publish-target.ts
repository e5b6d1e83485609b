/** Where an RTMP(S) publish goes, as `rtmp[s]://host[:port]/app/stream-name[?query]` spells it. */
export interface RtmpPublishTarget {
  tls: boolean;
  host: string;
  port: number;
  /** The application: the first path segment (`live2` of YouTube's `rtmp://a.rtmp.youtube.com/live2/KEY`). */
  app: string;
  /** `rtmp[s]://host[:port]/app`, as connect's tcUrl. */
  tcUrl: string;
  /** Everything after the application, query included: the publish name (the stream key). */
  streamName: string;
}

const DEFAULT_PORTS = { rtmp: 1935, rtmps: 443 } as const;

/**
 * Splits an RTMP(S) publish URL the way FFmpeg and OBS do: the first path
 * segment is the application, the rest (with any query) is the publish name.
 * Throws on anything else, with a message that names no part of the URL
 * (it holds the stream key).
 */
export function parseRtmpPublishTarget(value: string): RtmpPublishTarget {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error('not a URL');
  }
  const scheme = url.protocol.replace(/:$/, '');
  if (scheme !== 'rtmp' && scheme !== 'rtmps') throw new Error(`scheme ${JSON.stringify(scheme.slice(0, 16))} is not rtmp or rtmps`);
  if (!url.hostname) throw new Error('no host');
  const segments = url.pathname.split('/').filter(Boolean);
  if (segments.length < 2) throw new Error('no application and stream name in the path (rtmp://host/app/name)');
  const [app, ...rest] = segments as [string, ...string[]];
  const port = url.port ? Number(url.port) : DEFAULT_PORTS[scheme];
  // URL keeps IPv6 literals bracketed in `hostname`; sockets want them bare.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    tls: scheme === 'rtmps',
    host,
    port,
    app: decodeURIComponent(app),
    tcUrl: `${scheme}://${url.host}/${app}`,
    streamName: `${rest.map(decodeURIComponent).join('/')}${url.search}`,
  };
}
