import type { HubFrame } from './hub-frame';

/** Which tracks a stream has, as far as the hub knows when a viewer joins. */
export interface HubTracks {
  audio: boolean;
  video: boolean;
}

/**
 * An output format. `key` identifies the exact bytes `encode` produces (two
 * encoders with one key must produce identical bytes), because the hub caches
 * encoded frames by key and shares them between viewers.
 */
export interface HubEncoder {
  readonly key: string;
  /**
   * encode() advances the encoder's state (a muxer's continuity counters), so each frame must be encoded exactly
   * once, in order, and its bytes reused (cached on the frame) for every viewer. Stateless encoders (FLV, RTMP) are
   * not cached for live viewers (see LiveBatchSet).
   */
  readonly stateful?: boolean;
  /** Bytes a viewer receives before its first frame (the FLV file header); undefined for none. */
  preamble(tracks: HubTracks): Buffer | undefined;
  encode(frame: HubFrame): Buffer;
  /**
   * A stateless encoder may also lay frames out in a buffer the hub provides: the bytes encode() would give, written
   * at `offset` (encodedLength(frame) bytes from there); returns the offset after them. The hub then builds a live
   * batch in one buffer, and reuses that buffer while the sinks let go of it (see LiveBatchPool for why that matters).
   */
  encodedLength?(frame: HubFrame): number;
  encodeInto?(frame: HubFrame, target: Buffer, offset: number): number;
}

/** Encoded bytes of a frame for an encoder, computed once per frame and format. */
export function encodedFrame(frame: HubFrame, encoder: HubEncoder): Buffer {
  let bytes = frame.encoded.get(encoder.key);
  if (bytes === undefined) {
    bytes = encoder.encode(frame);
    frame.encoded.set(encoder.key, bytes);
  }
  return bytes;
}
