/** One complete RTMP message as carried by the chunk stream. */
export interface RtmpMessage {
  /** Message type id (see RtmpMessageType). */
  typeId: number;
  /** Message stream id; 0 for protocol control and NetConnection commands. */
  streamId: number;
  /** Absolute timestamp in milliseconds, modulo 2^32. */
  timestamp: number;
  payload: Buffer;
}
