import { RtmpClientConnection } from '@mediaplane/media-io';

export interface RtmpPublishTarget {
  host: string;
  port: number;
  app: string;
  /** Stream key (ours) or stream name (nginx-rtmp). */
  streamName: string;
}

/** Connects, creates a stream and publishes on it with the project's RTMP client; a refusal is an error naming its code. */
export async function openRtmpPublish(target: RtmpPublishTarget): Promise<{ client: RtmpClientConnection; streamId: number }> {
  const client = await RtmpClientConnection.connect({ host: target.host, port: target.port, app: target.app });
  try {
    const streamId = await client.createStream();
    const status = await client.publish(streamId, target.streamName);
    if (status['code'] !== 'NetStream.Publish.Start') throw new Error(`publish refused: ${String(status['code'])} ${String(status['description'] ?? '')}`);
    return { client, streamId };
  } catch (error) {
    client.close();
    throw error;
  }
}
