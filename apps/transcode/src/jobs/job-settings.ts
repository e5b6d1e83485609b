import type { Ladder, StreamStarted } from '@mediaplane/contracts';
import { DEFAULT_LADDER } from '@mediaplane/media-plan';

export interface JobSettings {
  private: boolean;
  record: boolean;
  ladder: Ladder;
  /** Where the settings came from: the publish decision carried by `stream.started`, or the fallback for events without it. */
  from: 'publish-decision' | 'fallback';
}

/**
 * The stream's settings for this session, as the publish decision gave them
 * (ingest passes them on with `stream.started`). An event from an ingest node
 * that predates the field still gets a job: the live state's `private`, no
 * recording, the default ladder.
 */
export function resolveJobSettings(started: StreamStarted, livePrivate: boolean): JobSettings {
  const s = started.settings;
  if (s) return { private: s.private, record: s.record, ladder: s.ladder ?? DEFAULT_LADDER, from: 'publish-decision' };
  return { private: livePrivate, record: false, ladder: DEFAULT_LADDER, from: 'fallback' };
}
