import { RtmpProtocolError } from './rtmp-errors';

export interface RtmpNameLimits {
  /** Max UTF-8 bytes of an app or stream name, excluding the query string. */
  maxNameBytes: number;
  /** Max UTF-8 bytes of the query string after '?' (tokens such as JWTs live here). */
  maxQueryBytes: number;
}

export const DEFAULT_RTMP_NAME_LIMITS: Readonly<RtmpNameLimits> = Object.freeze({
  maxNameBytes: 256,
  maxQueryBytes: 4096,
});

export interface ParsedRtmpName {
  /** The name without the query string. */
  name: string;
  /** Parameters after '?', e.g. `key?token=abc` → token=abc. Empty when absent. */
  query: URLSearchParams;
}

// C0 and C1 control characters and DEL: never legitimate in a name, and dangerous in logs, paths and headers.
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

function splitQuery(raw: string, limits: RtmpNameLimits, what: string): { name: string; queryString: string } {
  if (CONTROL_CHARS.test(raw)) throw new RtmpProtocolError('name-invalid', `${what} contains control characters`);
  const q = raw.indexOf('?');
  const name = q === -1 ? raw : raw.slice(0, q);
  const queryString = q === -1 ? '' : raw.slice(q + 1);
  if (name.length === 0) throw new RtmpProtocolError('name-invalid', `${what} is empty`);
  if (Buffer.byteLength(name, 'utf8') > limits.maxNameBytes) {
    throw new RtmpProtocolError('name-invalid', `${what} is longer than ${limits.maxNameBytes} bytes`);
  }
  if (Buffer.byteLength(queryString, 'utf8') > limits.maxQueryBytes) {
    throw new RtmpProtocolError('name-invalid', `${what} query string is longer than ${limits.maxQueryBytes} bytes`);
  }
  // Names end up in storage paths, URLs and bus subjects downstream; refuse traversal outright.
  if (name.includes('..')) throw new RtmpProtocolError('name-invalid', `${what} must not contain ".."`);
  if (name.includes('\\')) throw new RtmpProtocolError('name-invalid', `${what} must not contain "\\"`);
  return { name, queryString };
}

/**
 * Validates a publish/play stream name and splits off its query string.
 * Stream names are a single path segment, so '/' is rejected.
 */
export function parseRtmpStreamName(raw: string, limits: RtmpNameLimits = DEFAULT_RTMP_NAME_LIMITS): ParsedRtmpName {
  const { name, queryString } = splitQuery(raw, limits, 'stream name');
  if (name.includes('/')) throw new RtmpProtocolError('name-invalid', 'stream name must not contain "/"');
  return { name, query: new URLSearchParams(queryString) };
}

/**
 * Validates the connect command's app and splits off its query string. Apps
 * may have several segments ("live/eu") but no empty or leading/trailing ones.
 */
export function parseRtmpAppName(raw: string, limits: RtmpNameLimits = DEFAULT_RTMP_NAME_LIMITS): ParsedRtmpName {
  const { name, queryString } = splitQuery(raw, limits, 'app name');
  // FFmpeg sends a trailing slash for some URL shapes (rtmp://host/app/); tolerate exactly that.
  const app = name.endsWith('/') ? name.slice(0, -1) : name;
  if (app.split('/').some((segment) => segment.length === 0)) {
    throw new RtmpProtocolError('name-invalid', 'app name has an empty path segment');
  }
  return { name: app, query: new URLSearchParams(queryString) };
}
