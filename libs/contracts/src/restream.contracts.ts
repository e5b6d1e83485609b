import { z } from 'zod';
import { defineEvent } from './contract';
import { StreamIdSchema } from './stream.contracts';

/*
 * Restream outputs: per stream, push targets (RTMP, RTMPS, SRT) the platform
 * sends the live stream to. A target URL is a secret (it carries the
 * destination's stream key): it is accepted once, stored by the
 * RestreamOutputStore (libs/sessions) and only ever shown redacted.
 */

export const RESTREAM_SCHEMES = ['rtmp', 'rtmps', 'srt'] as const;
export const RestreamSchemeSchema = z.enum(RESTREAM_SCHEMES);
export type RestreamScheme = z.infer<typeof RestreamSchemeSchema>;

export const RestreamOutputIdSchema = z.string().regex(/^out_[A-Za-z0-9_-]{1,40}$/, 'must be an output id (out_…)');

/** What stands in for the secret parts of a target URL. */
export const TARGET_MASK = '••••';

const MAX_TARGET_URL = 2048;

/**
 * Why a push target URL is unusable, or undefined when it is fine: an
 * absolute rtmp://, rtmps:// or srt:// URL with a host, no fragment, and for
 * SRT a port (a caller must know where to call).
 */
export function restreamTargetProblem(value: string): string | undefined {
  if (value.length > MAX_TARGET_URL) return `must be at most ${MAX_TARGET_URL} characters`;
  if (/[\s\u0000-\u001f\u007f]/.test(value)) return 'must not contain spaces or control characters';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute rtmp://, rtmps:// or srt:// URL';
  }
  const scheme = url.protocol.replace(/:$/, '');
  if (!(RESTREAM_SCHEMES as readonly string[]).includes(scheme)) return `must use rtmp, rtmps or srt (not ${JSON.stringify(scheme.slice(0, 16))})`;
  if (!url.hostname) return 'must name a host';
  if (url.hash) return 'must not have a #fragment';
  if (scheme === 'srt' && !url.port) return 'srt:// needs a port (srt://host:port)';
  if (scheme !== 'srt' && url.pathname.split('/').filter(Boolean).length === 0) return `${scheme}:// needs an application and a stream name (${scheme}://host/app/key)`;
  return undefined;
}

/** The parts of a target that may be shown: never the path after the application, the query, or credentials. */
export interface RestreamTargetDescription {
  scheme: RestreamScheme;
  host: string;
  port: number | null;
  redacted: string;
}

/**
 * The shown form of a target: `rtmp://a.rtmp.youtube.com/live2/••••`,
 * `srt://ingest.example:9000?••••`. The first path segment (the RTMP
 * application, e.g. `live2`) stays when a stream name follows it; everything
 * after it, every query value and any user info are masked.
 */
export function describeRestreamTarget(value: string): RestreamTargetDescription {
  const url = new URL(value);
  const scheme = RestreamSchemeSchema.parse(url.protocol.replace(/:$/, ''));
  const segments = url.pathname.split('/').filter(Boolean);
  const path = segments.length >= 2 ? `/${segments[0]}/${TARGET_MASK}` : segments.length === 1 ? `/${TARGET_MASK}` : '';
  const query = url.search ? `?${TARGET_MASK}` : '';
  const host = url.hostname;
  const port = url.port ? Number(url.port) : null;
  return { scheme, host, port, redacted: `${scheme}://${url.username || url.password ? `${TARGET_MASK}@` : ''}${url.host}${path}${query}` };
}

/**
 * Scrubs a target's secrets from free text (FFmpeg's stderr names its output
 * URL in errors): the whole URL and each secret part of it — user info,
 * every path segment after the application, every query value — in raw and
 * percent-decoded spelling. Fragments shorter than 3 characters are left
 * alone (they would mask ordinary words and cannot identify a key).
 */
export function redactRestreamTarget(text: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return text.split(value).join(TARGET_MASK);
  }
  const secrets = new Set<string>();
  const add = (s: string | undefined): void => {
    if (!s || s.length < 3) return;
    secrets.add(s);
    try {
      secrets.add(decodeURIComponent(s));
    } catch {
      // not percent-encoded text
    }
  };
  const shown = describeRestreamTarget(value).redacted;
  const segments = url.pathname.split('/').filter(Boolean);
  for (const segment of segments.length >= 2 ? segments.slice(1) : segments) add(segment);
  if (segments.length >= 2) add(segments.slice(1).join('/'));
  for (const [name, v] of url.searchParams) {
    add(v);
    add(`${name}=${v}`);
  }
  add(url.search.slice(1));
  add(url.username);
  add(url.password);
  let out = text.split(value).join(shown);
  // Longest first, so a secret that contains another is masked whole.
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join(TARGET_MASK);
  return out;
}

export const RestreamOutputStateSchema = z.enum(['connecting', 'live', 'failed', 'idle', 'disabled']);
export type RestreamOutputState = z.infer<typeof RestreamOutputStateSchema>;

/** The runner's report on one output: on every state change and every few seconds while it runs. */
export const RestreamOutputReportSchema = z.object({
  streamId: StreamIdSchema,
  outputId: RestreamOutputIdSchema,
  /** Publish session the output runs for. */
  sessionId: z.string().max(64),
  /** Instance id of the transcode worker running it. */
  worker: z.string().max(128),
  state: RestreamOutputStateSchema,
  /** Bytes FFmpeg wrote to the target in this session, over all its runs. */
  bytesSent: z.number().int().nonnegative(),
  /** FFmpeg restarts in this session (after a failure, a stall or a lost input). */
  reconnects: z.number().int().nonnegative(),
  /** Why the last run failed, from FFmpeg's stderr with the target's secrets masked. */
  lastError: z.string().max(400).optional(),
  at: z.iso.datetime(),
});
export type RestreamOutputReport = z.infer<typeof RestreamOutputReportSchema>;

export const RestreamOutputsChangedSchema = z.object({ streamId: StreamIdSchema, at: z.iso.datetime() });

export const restreamContracts = {
  /** Runner → control plane: the state and figures of one output. */
  outputReported: defineEvent('restream.v1.output.{outputId}.reported', RestreamOutputReportSchema),
  /** Control plane → the worker running the stream: outputs were added or removed; reconcile now instead of at the next poll. */
  outputsChanged: defineEvent('restream.v1.outputs.{streamId}.changed', RestreamOutputsChangedSchema, { broadcast: true }),
} as const;

// ---- REST API (GET/POST/DELETE /api/v1/streams/{id}/outputs) ----

export const RestreamTargetViewSchema = z
  .object({
    scheme: RestreamSchemeSchema,
    host: z.string(),
    port: z.number().int().nullable(),
    redacted: z.string().describe(`The URL with its secret parts replaced by ${TARGET_MASK}; the full URL is never shown again.`),
  })
  .describe('RestreamTarget');

export const RestreamOutputViewSchema = z
  .object({
    id: RestreamOutputIdSchema,
    streamId: StreamIdSchema,
    name: z.string(),
    enabled: z.boolean(),
    target: RestreamTargetViewSchema,
    createdAt: z.string(),
    state: RestreamOutputStateSchema.describe(
      'connecting (FFmpeg is connecting, or reconnecting after a failure), live (bytes are flowing), failed (the last attempt failed; see lastError; it is retried with backoff), idle (the stream is offline), disabled.',
    ),
    bytesSent: z.number().int().nonnegative().describe('Bytes sent to the target in the current (or last) session.'),
    reconnects: z.number().int().nonnegative().describe('Restarts of the push in the current (or last) session.'),
    lastError: z.string().nullable().describe("The last failure's reason (FFmpeg's error, target secrets masked)."),
    worker: z.string().nullable().describe('Transcode worker running the push.'),
    updatedAt: z.string().nullable().describe('When the runner last reported.'),
  })
  .describe('RestreamOutput');
export type RestreamOutputView = z.infer<typeof RestreamOutputViewSchema>;

export const RestreamOutputListSchema = z
  .object({
    outputs: z.array(RestreamOutputViewSchema),
    limit: z.number().int().positive().describe('Most outputs one stream may have (CONTROL_PLANE_RESTREAM_MAX_OUTPUTS).'),
  })
  .describe('RestreamOutputList');
export type RestreamOutputList = z.infer<typeof RestreamOutputListSchema>;
