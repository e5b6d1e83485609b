import { FLV_TAG_AUDIO, FLV_TAG_SCRIPT, FLV_TAG_VIDEO, encodeAmf0, type Amf0Value, type FlvTag } from '@mediaplane/codecs';
import { RtmpClientConnection } from './rtmp-client-connection';
import { createRtmpCommandMessage } from './rtmp-command-messages';
import { RtmpChunkStreamId, RtmpMessageType } from './rtmp-constants';
import type { RtmpPublishTarget } from './rtmp-publish-target';

export interface RtmpTagPublisherOptions {
  /** Connect, createStream and publish each get this long. Default 10 s. */
  timeoutMs?: number;
  /** Extra connect properties, e.g. E-RTMP's `fourCcList`. */
  connectProperties?: Record<string, Amf0Value>;
}

/** `@setDataFrame`, which a publisher puts before onMetaData so the server keeps it for its players. */
const SET_DATA_FRAME = encodeAmf0('@setDataFrame');

/**
 * Publishes FLV tags to an RTMP(S) server exactly as they are — legacy or
 * Enhanced RTMP (HEVC, AV1, VP9, Opus, AC-3, FLAC FourCC tags alike), since
 * nothing here reads a codec: the connect, releaseStream / FCPublish (which
 * OBS and FFmpeg send, and some services expect), createStream and publish,
 * then every audio, video and onMetaData tag as its RTMP message.
 * Timestamps are moved so that the first audio or video tag is at 0 (the
 * tags of a live pull start wherever the stream was); metadata goes at 0.
 */
export class RtmpTagPublisher {
  private firstTimestamp: number | undefined;
  private lastTimestamp = 0;
  private bytes = 0;

  private constructor(
    private readonly client: RtmpClientConnection,
    private readonly streamId: number,
    private readonly streamName: string,
  ) {}

  /** Connects and publishes; rejects with the server's refusal (its onStatus code and description) or the connection's error. */
  static async open(target: RtmpPublishTarget, options: RtmpTagPublisherOptions = {}): Promise<RtmpTagPublisher> {
    const client = await RtmpClientConnection.connect({
      host: target.host,
      port: target.port,
      app: target.app,
      tcUrl: target.tcUrl,
      tls: target.tls,
      timeoutMs: options.timeoutMs,
      connectProperties: options.connectProperties,
    });
    try {
      // Fire and forget, as FFmpeg does: not every server answers them.
      for (const name of ['releaseStream', 'FCPublish'])
        client.sendMessage(createRtmpCommandMessage(0, name, 0, null, target.streamName), RtmpChunkStreamId.Command);
      const streamId = await client.createStream();
      const status = await client.publish(streamId, target.streamName);
      if (status['code'] !== 'NetStream.Publish.Start') {
        throw new Error(`publish refused: ${String(status['code']).slice(0, 80)} ${String(status['description'] ?? '').slice(0, 200)}`.trim());
      }
      return new RtmpTagPublisher(client, streamId, target.streamName);
    } catch (error) {
      client.close();
      throw error;
    }
  }

  /** Payload bytes handed to the connection so far. */
  get bytesSent(): number {
    return this.bytes;
  }

  /** The timestamp (after the move to 0) of the latest audio or video tag sent. */
  get mediaTimeMs(): number {
    return this.lastTimestamp;
  }

  /** Bytes the socket holds unsent: a caller stops feeding above its bound and resumes on `onDrain`. */
  get bufferedBytes(): number {
    return this.client.socket.writableLength;
  }

  get isClosed(): boolean {
    return this.client.isClosed;
  }

  onDrain(callback: () => void): void {
    this.client.socket.once('drain', callback);
  }

  /** Called once when the connection ends (the server closed it, an error, or `close`). */
  onClose(callback: (error?: Error) => void): void {
    let error: Error | undefined;
    this.client.on('error', (e) => (error = e));
    this.client.once('close', () => callback(error));
  }

  /** Sends one tag; other tag types than audio, video and script data are skipped. */
  send(tag: FlvTag): void {
    if (tag.type === FLV_TAG_SCRIPT) {
      const payload = Buffer.concat([SET_DATA_FRAME, tag.data]);
      this.client.sendMessage({ typeId: RtmpMessageType.DataAmf0, streamId: this.streamId, timestamp: 0, payload }, RtmpChunkStreamId.Data);
      this.bytes += payload.length;
      return;
    }
    if (tag.type !== FLV_TAG_AUDIO && tag.type !== FLV_TAG_VIDEO) return;
    this.firstTimestamp ??= tag.timestamp;
    // Every tag moves by the same amount, so audio a few ms behind video stays so (RTMP orders each chunk stream on its own).
    const timestamp = Math.max(0, tag.timestamp - this.firstTimestamp);
    this.lastTimestamp = Math.max(this.lastTimestamp, timestamp);
    this.client.sendMedia(this.streamId, tag.type === FLV_TAG_AUDIO ? RtmpMessageType.Audio : RtmpMessageType.Video, timestamp, tag.data);
    this.bytes += tag.data.length;
  }

  /** Unpublishes (FCUnpublish, deleteStream) and closes the connection. */
  close(): void {
    if (this.client.isClosed) return;
    this.client.sendMessage(createRtmpCommandMessage(0, 'FCUnpublish', 0, null, this.streamName), RtmpChunkStreamId.Command);
    this.client.sendMessage(createRtmpCommandMessage(0, 'deleteStream', 0, null, this.streamId), RtmpChunkStreamId.Command);
    this.client.close();
  }
}
