import { connect, type Socket } from 'node:net';
import { FLV_TAG_AUDIO, FLV_TAG_SCRIPT, encodeAmf0, encodeFlvHeader, encodeFlvTag, type Amf0Value } from '@mediaplane/codecs';
import { RtmpMessageType } from '@mediaplane/media-io';
import { openRtmpPublish, type RtmpPublishTarget } from './rtmp-publish-session';

/** Where a bench publishes: an RTMP server (ours, nginx-rtmp), or the fan-out floor's plain FLV over TCP. */
export type PublishTarget = ({ protocol: 'rtmp' } & RtmpPublishTarget) | { protocol: 'flv-tcp'; host: string; port: number };

/** One publishing connection, whatever carries it: the paced publisher hands it FLV tags. */
export interface PublishOutput {
  sendMetadata(metadata: Amf0Value): void;
  /** An audio or video tag body (FLV_TAG_AUDIO / FLV_TAG_VIDEO) at `timestamp` ms. */
  sendTag(type: number, timestamp: number, data: Buffer): void;
  /** Called once when the server closes the connection. */
  onClose(listener: () => void): void;
  close(): void;
}

export async function openPublishOutput(target: PublishTarget): Promise<PublishOutput> {
  return target.protocol === 'rtmp' ? openRtmpOutput(target) : openFlvTcpOutput(target);
}

async function openRtmpOutput(target: RtmpPublishTarget): Promise<PublishOutput> {
  const { client, streamId } = await openRtmpPublish(target);
  return {
    sendMetadata: (metadata) => client.sendMetadata(streamId, metadata),
    sendTag: (type, timestamp, data) => client.sendMedia(streamId, type === FLV_TAG_AUDIO ? RtmpMessageType.Audio : RtmpMessageType.Video, timestamp, data),
    onClose: (listener) => client.on('close', listener),
    close: () => client.close(),
  };
}

/** An FLV file as a stream: the header, then each tag as it is sent (no framing around it). */
async function openFlvTcpOutput(target: { host: string; port: number }): Promise<PublishOutput> {
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = connect({ host: target.host, port: target.port, noDelay: true }, () => resolve(s));
    s.once('error', reject);
  });
  socket.on('error', () => socket.destroy());
  socket.write(encodeFlvHeader({ audio: true, video: true }));
  return {
    sendMetadata: (metadata) => socket.write(encodeFlvTag(FLV_TAG_SCRIPT, 0, encodeAmf0('onMetaData', metadata))),
    sendTag: (type, timestamp, data) => socket.write(encodeFlvTag(type, timestamp, data)),
    onClose: (listener) => socket.once('close', listener),
    close: () => socket.destroy(),
  };
}
