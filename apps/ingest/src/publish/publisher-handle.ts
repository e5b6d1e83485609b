import type { Ladder, PublishProtocol, SrtPublishSettings } from '@mediaplane/contracts';
import type { Context } from '@mediaplane/observability';

/** The connection a stream is published on, whatever the protocol (RTMP, RTMPS, SRT, a WHIP relay). */
export interface PublisherHandle {
  readonly protocol: PublishProtocol;
  readonly remoteAddress: string;
  /** Ends the publisher's connection (kick, shutdown, lost ownership). */
  close(reason: string): void;
}

/**
 * What the control plane said about an authorized key: the stream's settings
 * for the whole session, passed on with `stream.started` so nobody asks again.
 */
export interface PublishGrant {
  streamId: string;
  name: string;
  private: boolean;
  record: boolean;
  /** The stream's own transcode ladder; absent means the default ladder. */
  ladder?: Ladder;
  /** The API asked for takeover: replace a live publisher instead of being refused. */
  takeover?: boolean;
  /** How an SRT publisher must connect (passphrase, key length, latency), when the stream defines it. */
  srt?: SrtPublishSettings;
  /** Trace context of the authorization, so the session's `stream.started` (and the transcode job) continue its trace. */
  traceContext?: Context;
}
