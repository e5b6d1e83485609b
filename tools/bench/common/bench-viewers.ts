import { get, type ClientRequest } from 'node:http';
import { WebSocket } from 'ws';
import { FlvDemuxer } from '@mediaplane/codecs';
import { RtmpClientConnection, RtmpMessageType, createAcknowledgementMessage, RtmpChunkStreamId, splitRtmpAggregateMessage } from '@mediaplane/media-io';

/** Called for every audio, video and script tag a viewer receives. */
export type TagListener = (type: number, timestamp: number, data: Buffer) => void;

export interface BenchViewer {
  readonly bytesReceived: number;
  /** Resolves with why the connection ended (server close, error, or our own close). */
  readonly ended: Promise<string>;
  close(): void;
}

/** A player's handle: its byte count as it grows, how it ended, and how to close it. */
function benchViewer(bytesReceived: () => number, ended: Promise<string>, close: () => void): BenchViewer {
  return {
    get bytesReceived() {
      return bytesReceived();
    },
    ended,
    close,
  };
}

/** An HTTP-FLV player: one GET on its own socket (no agent pooling), the body demuxed tag by tag. */
export function openHttpFlvViewer(url: string, onTag: TagListener): Promise<BenchViewer> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    let closedByUs = false;
    let settleEnd: (reason: string) => void = () => undefined;
    const ended = new Promise<string>((r) => (settleEnd = r));
    const request: ClientRequest = get(url, { agent: false }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`HTTP-FLV ${url.replace(/\?.*$/, '')}: status ${res.statusCode}`));
        return;
      }
      const demuxer = new FlvDemuxer();
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        try {
          for (const tag of demuxer.push(chunk)) onTag(tag.type, tag.timestamp, tag.data);
        } catch (error) {
          request.destroy(error as Error);
        }
      });
      res.on('close', () => settleEnd(closedByUs ? 'closed by bench' : 'server ended the response'));
      resolve(
        benchViewer(
          () => bytes,
          ended,
          () => {
            closedByUs = true;
            request.destroy();
          },
        ),
      );
    });
    request.on('error', (error) => {
      reject(error);
      settleEnd(closedByUs ? 'closed by bench' : `error: ${error.message}`);
    });
  });
}

/** A WebSocket-FLV player: one WebSocket on its own connection, each binary message's FLV bytes demuxed tag by tag. */
export function openWsFlvViewer(url: string, onTag: TagListener): Promise<BenchViewer> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    let closedByUs = false;
    let settleEnd: (reason: string) => void = () => undefined;
    const ended = new Promise<string>((r) => (settleEnd = r));
    const demuxer = new FlvDemuxer();
    const socket = new WebSocket(url, { perMessageDeflate: false });
    socket.binaryType = 'nodebuffer';
    socket.on('unexpected-response', (_request, res) => {
      res.resume();
      reject(new Error(`WebSocket-FLV ${url.replace(/\?.*$/, '')}: status ${res.statusCode}`));
      socket.terminate();
    });
    socket.on('open', () =>
      resolve(
        benchViewer(
          () => bytes,
          ended,
          () => {
            closedByUs = true;
            socket.terminate();
          },
        ),
      ),
    );
    socket.on('message', (data: Buffer) => {
      bytes += data.length;
      try {
        for (const tag of demuxer.push(data)) onTag(tag.type, tag.timestamp, tag.data);
      } catch (error) {
        socket.terminate();
        settleEnd(`bad FLV: ${(error as Error).message}`);
      }
    });
    socket.on('close', () => settleEnd(closedByUs ? 'closed by bench' : 'server closed the WebSocket'));
    socket.on('error', (error) => {
      reject(error);
      settleEnd(closedByUs ? 'closed by bench' : `error: ${error.message}`);
    });
  });
}

export interface RtmpPlayTarget {
  host: string;
  port: number;
  app: string;
  name: string;
}

/**
 * An RTMP player on the project's test client. It acknowledges received
 * bytes as the server's window asks (as FFmpeg and OBS do), so a server that
 * waits for acknowledgements is not starved.
 */
export async function openRtmpViewer(target: RtmpPlayTarget, onTag: TagListener): Promise<BenchViewer> {
  const client = await RtmpClientConnection.connect({ host: target.host, port: target.port, app: target.app, timeoutMs: 20_000 });
  let bytes = 0;
  let acked = 0;
  let window = 2_500_000;
  let closedByUs = false;
  client.socket.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes - acked >= window / 2) {
      acked = bytes;
      client.sendMessage(createAcknowledgementMessage(bytes % 2 ** 32), RtmpChunkStreamId.Protocol);
    }
  });
  const ended = new Promise<string>((resolve) => {
    client.on('error', (error) => resolve(`error: ${error.message}`));
    client.on('close', () => resolve(closedByUs ? 'closed by bench' : 'server closed the connection'));
  });
  client.on('message', (m) => {
    if (m.typeId === RtmpMessageType.Video || m.typeId === RtmpMessageType.Audio) onTag(m.typeId, m.timestamp, m.payload);
    else if (m.typeId === RtmpMessageType.Aggregate) for (const part of splitRtmpAggregateMessage(m)) onTag(part.typeId, part.timestamp, part.payload);
    else if (m.typeId === RtmpMessageType.WindowAckSize && m.payload.length >= 4) window = Math.max(1, m.payload.readUInt32BE(0));
  });
  try {
    const status = await client.play(await client.createStream(), target.name);
    const code = String(status['code']);
    if (status['level'] === 'error' || !/^NetStream\.Play\.(Reset|Start)$/.test(code)) throw new Error(`RTMP play refused: ${code}`);
  } catch (error) {
    client.close();
    throw error;
  }
  return benchViewer(
    () => bytes,
    ended,
    () => {
      closedByUs = true;
      client.close();
    },
  );
}
