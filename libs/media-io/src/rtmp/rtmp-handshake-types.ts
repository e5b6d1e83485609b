export type RtmpHandshakeMode = 'simple' | 'digest';

export interface RtmpHandshakeResult {
  mode: RtmpHandshakeMode;
  /** Peer's version field from C1/S1 as dotted bytes, e.g. "9.0.124.2"; "0.0.0.0" for simple handshakes. */
  peerVersion: string;
  /** Peer's epoch field from C1/S1 (milliseconds, arbitrary origin). */
  peerTime: number;
  /** Digest scheme the peer used (digest mode only). */
  digestScheme?: 0 | 1;
}

/** Outcome of feeding bytes to a handshake state machine. */
export type RtmpHandshakeProgress =
  | { done: false; /** Bytes to send to the peer now, if any. */ output?: Buffer }
  | {
      done: true;
      output?: Buffer;
      result: RtmpHandshakeResult;
      /** Bytes that arrived after the handshake: the start of the chunk stream. */
      remainder: Buffer;
    };

export interface RtmpHandshakeOptions {
  /** Randomness for S1/S2 or C1/C2; injectable for deterministic tests. */
  randomBytes?: (size: number) => Buffer;
  /** Millisecond clock written into the time field. */
  now?: () => number;
}

export function formatRtmpVersion(packet: Buffer): string {
  return `${packet[4] ?? 0}.${packet[5] ?? 0}.${packet[6] ?? 0}.${packet[7] ?? 0}`;
}
