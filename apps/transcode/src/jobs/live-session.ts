import type { LiveStreamState, LiveStreamStore } from '@mediaplane/sessions';
import { signPullTicket } from '@mediaplane/sessions';
import { matroskaPipeInput, openHttpPipeInput, type HttpPipeInput } from '@mediaplane/media-io';
import type { LiveInputFormat } from '@mediaplane/media-plan';
import type { StreamStarted } from '@mediaplane/contracts';

/**
 * The live state of the session a `stream.started` names. Ingest writes the
 * live state before it announces the stream; a just-started stream gets a
 * moment for replication anyway. An old event without live state (a backlog
 * replayed to a new consumer) is answered at once; undefined means the
 * session is over (or another one holds the stream).
 */
export async function waitForLiveSession(
  liveStore: LiveStreamStore,
  streamId: string,
  sessionId: string,
  startedAt: string,
): Promise<LiveStreamState | undefined> {
  const tries = Date.now() - Date.parse(startedAt) < 15_000 ? 4 : 1;
  for (let i = 0; i < tries; i++) {
    const state = await liveStore.get(streamId);
    if (state?.sessionId === sessionId) return state;
    if (state && state.sessionId !== sessionId) return undefined;
    if (i < tries - 1) await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return undefined;
}

/**
 * The live state with every track `stream.started` announced. Ingest publishes the event once the codecs are known
 * and writes them to the live state only just after, so a job reading the state at once may find a track missing
 * (seen in CI: no audio yet, so an Opus stream's FLV pull was chosen and FFmpeg 5.1 could not read it).
 */
export function withStartedMedia(state: LiveStreamState, started: Pick<StreamStarted, 'media'>): LiveStreamState {
  return { ...state, media: { ...state.media, video: state.media.video ?? started.media.video, audio: state.media.audio ?? started.media.audio } };
}

/** Whether the session is still the stream's live one. */
export async function isSessionLive(liveStore: LiveStreamStore, streamId: string, sessionId: string): Promise<boolean> {
  const state = await liveStore.get(streamId);
  return state !== undefined && state.sessionId === sessionId;
}

/** Which internal pull a job reads, and how FFmpeg reads it (see LiveInputFormat). */
export interface LivePull {
  url: string;
  format: LiveInputFormat;
}

/** Video codecs the ingest's TS pull carries (its muxer: H.264 and HEVC). */
const TS_PULL_VIDEO = new Set(['h264', 'hevc']);
/** Video codecs FFmpeg 5.1 reads only from the FLV pull remuxed into Matroska here. */
const MATROSKA_VIDEO = new Set(['av1', 'vp9']);
/**
 * E-RTMP audio codecs FFmpeg 5.1 does not read in FLV, read from the FLV pull remuxed into Matroska here: the TS pull
 * carries no FLAC, and Matroska takes AC-3 / E-AC-3 beside any video (AV1 and VP9 too).
 */
const MATROSKA_AUDIO = new Set(['flac', 'ac3', 'eac3']);

/**
 * The pull to read for a live state: its MPEG-TS pull when the source has
 * HEVC video or Opus audio (Debian's FFmpeg 5.1 reads neither in FLV, E-RTMP
 * or not) and the ingest node offers one; the FLV pull remuxed into Matroska
 * for AV1 and VP9 video (the TS muxer carries H.264/HEVC only) and FLAC,
 * AC-3 / E-AC-3 audio; else the FLV pull.
 */
export function livePullOf(state: Pick<LiveStreamState, 'pullUrl' | 'pullUrlTs' | 'media'>): LivePull | undefined {
  const video = state.media.video?.codec;
  const audio = state.media.audio?.codec;
  if ((video !== undefined && MATROSKA_VIDEO.has(video)) || (audio !== undefined && MATROSKA_AUDIO.has(audio))) {
    return state.pullUrl ? { url: state.pullUrl, format: 'matroska' } : undefined;
  }
  const needsTs = video === 'hevc' || audio === 'opus';
  if (needsTs && (video === undefined || TS_PULL_VIDEO.has(video)) && state.pullUrlTs) return { url: state.pullUrlTs, format: 'mpegts' };
  return state.pullUrl ? { url: state.pullUrl, format: 'flv' } : undefined;
}

/**
 * Opens the internal FLV (or MPEG-TS) pull for one FFmpeg (or ffprobe) run: this process
 * makes the request with a fresh single-use pull ticket in its
 * `Authorization` header and the child reads the body on stdin, so no
 * credential is ever on a child's command line or in its environment
 * (readable by every local user through `ps` and `/proc`).
 */
export function openPull(pullUrl: string, playbackSecret: string, streamId: string, idleTimeoutMs: number): Promise<HttpPipeInput> {
  return openHttpPipeInput({ url: pullUrl, headers: { authorization: `Bearer ${signPullTicket(playbackSecret, streamId)}` }, idleTimeoutMs });
}

/** openPull for a job's pull, remuxed into Matroska on its way to FFmpeg where the pull says so. */
export async function openLivePull(pull: LivePull, playbackSecret: string, streamId: string, idleTimeoutMs: number): Promise<HttpPipeInput> {
  const input = await openPull(pull.url, playbackSecret, streamId, idleTimeoutMs);
  return pull.format === 'matroska' ? matroskaPipeInput(input) : input;
}

/**
 * How long a pull may stay silent before this process ends FFmpeg's stdin: a
 * backstop behind the supervisor's watchdog (which detects the stall first,
 * so the restart is counted as one), never ahead of it.
 */
export function pullIdleTimeoutMs(config: { TRANSCODE_STALL_TIMEOUT_MS: number; TRANSCODE_START_TIMEOUT_MS: number }): number {
  return Math.max(config.TRANSCODE_STALL_TIMEOUT_MS, config.TRANSCODE_START_TIMEOUT_MS) + 5000;
}
