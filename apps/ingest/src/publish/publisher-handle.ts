import type { PublishProtocol } from '@mediaplane/contracts';

/** The connection a stream is published on, whatever the protocol (RTMP now, SRT later). */
export interface PublisherHandle {
  readonly protocol: PublishProtocol;
  readonly remoteAddress: string;
  /** Ends the publisher's connection (kick, shutdown, lost ownership). */
  close(reason: string): void;
}

/** What the control plane said about an authorized key. */
export interface PublishGrant {
  streamId: string;
  name: string;
  private: boolean;
  record: boolean;
}
