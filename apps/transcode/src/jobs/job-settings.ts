import { transcodeContracts, type Ladder } from '@mediaplane/contracts';
import type { Bus } from '@mediaplane/messaging';
import type { Logger } from '@mediaplane/observability';
import { DEFAULT_LADDER } from '../ladder/default-ladder';

export interface JobSettings {
  private: boolean;
  record: boolean;
  ladder: Ladder;
  /** Where the settings came from: the control plane, or the fallback when it did not answer. */
  from: 'control-plane' | 'fallback';
}

/**
 * The stream definition's transcode settings, asked of the control plane
 * when a job is claimed (streamStarted does not carry them). Without an
 * answer the job still runs: the live state's `private`, no recording, the
 * default ladder.
 */
export async function resolveJobSettings(bus: Bus, streamId: string, livePrivate: boolean, timeoutMs: number, logger: Logger): Promise<JobSettings> {
  try {
    const answer = await bus.request(transcodeContracts.getSettings, { streamId }, { streamId }, { timeoutMs });
    if (answer.found) return { private: answer.private || livePrivate, record: answer.record, ladder: answer.ladder ?? DEFAULT_LADDER, from: 'control-plane' };
    logger.warn({ streamId }, 'control plane does not know the stream; using default transcode settings');
  } catch (error) {
    logger.warn({ streamId, err: error }, 'no transcode settings from the control plane; using defaults (no recording, default ladder)');
  }
  return { private: livePrivate, record: false, ladder: DEFAULT_LADDER, from: 'fallback' };
}
