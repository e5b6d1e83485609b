import type { LiveStreamState, LiveStreamStore } from '@mediaplane/sessions';
import { signPullTicket } from '@mediaplane/sessions';

/**
 * The live state of the session a `stream.started` names. Ingest writes the
 * live state before it announces the stream; a just-started stream gets a
 * moment for replication anyway. An old event without live state (a backlog
 * replayed to a new consumer) is answered at once; undefined means the
 * session is over (or another one holds the stream).
 */
export async function waitForLiveSession(liveStore: LiveStreamStore, streamId: string, sessionId: string, startedAt: string): Promise<LiveStreamState | undefined> {
  const tries = Date.now() - Date.parse(startedAt) < 15_000 ? 4 : 1;
  for (let i = 0; i < tries; i++) {
    const state = await liveStore.get(streamId);
    if (state?.sessionId === sessionId) return state;
    if (state && state.sessionId !== sessionId) return undefined;
    if (i < tries - 1) await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return undefined;
}

/** Whether the session is still the stream's live one. */
export async function isSessionLive(liveStore: LiveStreamStore, streamId: string, sessionId: string): Promise<boolean> {
  const state = await liveStore.get(streamId);
  return state !== undefined && state.sessionId === sessionId;
}

/**
 * The internal pull URL with a fresh single-use ticket: FFmpeg's and
 * ffprobe's command lines are readable by any local user (`ps`), and by the
 * time anyone reads it the ticket is spent.
 */
export function pullUrlWithTicket(pullUrl: string, playbackSecret: string, streamId: string): string {
  const url = new URL(pullUrl);
  url.searchParams.set('token', signPullTicket(playbackSecret, streamId));
  return url.toString();
}
