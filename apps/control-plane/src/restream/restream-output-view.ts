import { describeRestreamTarget, type RestreamOutputReport, type RestreamOutputView } from '@mediaplane/contracts';
import type { LiveStreamState, RestreamOutputRecord } from '@mediaplane/sessions';

/**
 * The API's view of one output: its definition (target redacted) plus the
 * state, derived from the definition, the stream's live state and the
 * runner's last report:
 * - disabled: the output is switched off;
 * - idle: the stream is offline (the last session's figures stay shown);
 * - the reported state when it is about the current session and recent;
 * - connecting otherwise (live, but no worker has reported yet, or its reports stopped).
 */
export function toRestreamOutputView(
  record: RestreamOutputRecord,
  report: RestreamOutputReport | undefined,
  live: LiveStreamState | undefined,
  options: { staleAfterMs: number; now?: number },
): RestreamOutputView {
  const now = options.now ?? Date.now();
  const current = report && live && report.sessionId === live.sessionId ? report : undefined;
  const fresh = current !== undefined && now - Date.parse(current.at) <= options.staleAfterMs;
  const figures = live ? current : report;
  let state: RestreamOutputView['state'];
  if (!record.enabled) state = 'disabled';
  else if (!live) state = 'idle';
  else if (fresh && current.state !== 'idle') state = current.state;
  else state = 'connecting';
  return {
    id: record.id,
    streamId: record.streamId,
    name: record.name,
    enabled: record.enabled,
    target: describeRestreamTarget(record.url),
    createdAt: record.createdAt,
    state,
    bytesSent: figures?.bytesSent ?? 0,
    reconnects: figures?.reconnects ?? 0,
    lastError: figures?.lastError ?? (live && current && !fresh ? 'no recent report from a restream worker' : null),
    worker: figures?.worker ?? null,
    updatedAt: figures?.at ?? null,
  };
}
