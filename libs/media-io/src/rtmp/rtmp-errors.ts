/**
 * Stable machine-readable reasons, so the ingest service can count and alert
 * on them without parsing messages.
 */
export type RtmpErrorCode =
  | 'handshake-version'
  | 'handshake-invalid'
  | 'handshake-timeout'
  | 'chunk-invalid'
  | 'chunk-size-invalid'
  | 'message-too-large'
  | 'too-many-chunk-streams'
  | 'pending-bytes-exceeded'
  | 'control-invalid'
  | 'command-invalid'
  | 'amf-invalid'
  | 'name-invalid'
  | 'too-many-streams'
  | 'idle-timeout'
  | 'setup-timeout'
  | 'write-buffer-overflow'
  | 'socket-error';

/**
 * Base class for everything a peer can make us reject. Code paths that parse
 * untrusted bytes throw only this (or subclasses), so callers can tell
 * "peer sent garbage" from a bug in our own code.
 */
export class RtmpProtocolError extends Error {
  constructor(
    readonly code: RtmpErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    // new.target keeps the subclass name without each subclass repeating it.
    this.name = new.target.name;
  }
}

/** Bad C0/C1/C2 or S0/S1/S2. */
export class RtmpHandshakeError extends RtmpProtocolError {}

/** Malformed chunk stream or a limit of the chunk layer was exceeded. */
export class RtmpChunkError extends RtmpProtocolError {}
