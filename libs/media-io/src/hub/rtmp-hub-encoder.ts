import { RtmpChunkStreamId, RtmpMessageType } from '../rtmp/rtmp-constants';
import { encodeRtmpMessageChunks, rtmpMessageChunksLength, writeRtmpMessageChunks } from '../rtmp/rtmp-chunk-writer';
import type { RtmpMessage } from '../rtmp/rtmp-message';
import type { HubEncoder } from './hub-encoder';
import type { HubFrame } from './hub-frame';

const MESSAGE_TYPE = { audio: RtmpMessageType.Audio, video: RtmpMessageType.Video, script: RtmpMessageType.DataAmf0 } as const;
const CHUNK_STREAM = { audio: RtmpChunkStreamId.Audio, video: RtmpChunkStreamId.Video, script: RtmpChunkStreamId.Data } as const;

/**
 * RTMP play output: every frame as self-contained chunks (fmt 0 first
 * header), so one encoding serves every viewer with the same chunk size and
 * message stream id. Viewers are grouped by that pair through the key.
 */
export class RtmpHubEncoder implements HubEncoder {
  readonly key: string;

  constructor(
    readonly chunkSize: number,
    readonly messageStreamId: number,
  ) {
    this.key = `rtmp:${chunkSize}:${messageStreamId}`;
  }

  preamble(): undefined {
    return undefined;
  }

  encode(frame: HubFrame): Buffer {
    return encodeRtmpMessageChunks(this.message(frame), this.chunkSize, CHUNK_STREAM[frame.kind]);
  }

  encodedLength(frame: HubFrame): number {
    return rtmpMessageChunksLength(this.message(frame), this.chunkSize, CHUNK_STREAM[frame.kind]);
  }

  encodeInto(frame: HubFrame, target: Buffer, offset: number): number {
    return writeRtmpMessageChunks(target, offset, this.message(frame), this.chunkSize, CHUNK_STREAM[frame.kind]);
  }

  private message(frame: HubFrame): RtmpMessage {
    return { typeId: MESSAGE_TYPE[frame.kind], streamId: this.messageStreamId, timestamp: frame.timestamp, payload: frame.payload };
  }
}
