import type { Socket } from 'node:net';
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { HubSink, RtmpServerConnection } from '@mediaplane/media-io';
import type { IngestMetrics } from '../observability/ingest-metrics';
import { wsBinaryFrame, wsBinaryFrameHeader } from './ws-frame';

/**
 * HTTP-FLV. The response is close-delimited (`Connection: close`, no
 * Content-Length, no chunked encoding), so after the headers the body bytes
 * go straight to the socket: one write per batch, no per-write chunk framing
 * by the HTTP layer (that framing cost more than the rest of the fan-out).
 * The internal MPEG-TS pull uses it too (`bytesLabel` 'ts').
 */
export function httpFlvSink(res: ServerResponse, socket: Socket, metrics: IngestMetrics, bytesLabel = 'flv'): HubSink {
  return {
    write: (data) => {
      if (socket.destroyed) return;
      metrics.addBytesOut(bytesLabel, byteLength(data));
      writeAll(socket, data);
    },
    get bufferedBytes() {
      return socket.writableLength;
    },
    close: () => {
      if (!res.writableEnded) res.end();
      // A viewer that is not reading would keep the ended response (and its buffer) forever.
      setTimeout(() => socket.destroy(), 2000).unref();
    },
  };
}

/**
 * WebSocket-FLV: each batch of FLV tags is one binary message. Server frames
 * are unmasked, so the framed bytes are identical for every viewer and are
 * built once per batch (see wsBinaryFrame) and written to the upgraded
 * socket; `ws` still handles the handshake, pings and the close handshake.
 */
export function wsFlvSink(ws: WebSocket, socket: Duplex, metrics: IngestMetrics): HubSink {
  return {
    write: (data) => {
      if (ws.readyState !== ws.OPEN || socket.destroyed) return;
      if (Buffer.isBuffer(data)) {
        const frame = wsBinaryFrame(data);
        metrics.addBytesOut('wsflv', frame.length);
        socket.write(frame);
        return;
      }
      // Several shared buffers (a join's GOP): one message, header written before them, no copy.
      const header = wsBinaryFrameHeader(byteLength(data));
      metrics.addBytesOut('wsflv', header.length + byteLength(data));
      writeAll(socket, [header, ...data]);
    },
    get bufferedBytes() {
      return socket.writableLength + ws.bufferedAmount;
    },
    close: (reason) => {
      if (ws.readyState === ws.OPEN) ws.close(1000, reason.slice(0, 120));
      setTimeout(() => ws.terminate(), 2000).unref();
    },
  };
}

/** RTMP play: pre-encoded chunks written as they are (encoded once per chunk size and stream id). */
export function rtmpPlaySink(connection: RtmpServerConnection, metrics: IngestMetrics): HubSink {
  return {
    write: (data) => {
      metrics.addBytesOut('rtmp', byteLength(data));
      // Each buffer holds whole, self-contained (fmt 0) messages, so they can go one by one.
      if (Buffer.isBuffer(data)) connection.writeEncoded(data);
      else for (const chunk of data) connection.writeEncoded(chunk);
    },
    get bufferedBytes() {
      return connection.bufferedBytes;
    },
    close: (reason) => {
      connection.notifyUnpublished();
      connection.close(reason);
    },
  };
}

/** What the SRT play sink needs of an SRT connection. */
export interface SrtWritable {
  /** false: libsrt's send buffer is full and the chunk was not taken. */
  write(chunk: Buffer): boolean;
  close(): void;
  readonly isClosed: boolean;
}

/** One SRT live-mode payload: seven 188-byte TS packets (what FFmpeg and srt-live-transmit send). */
export const SRT_PAYLOAD_BYTES = 7 * 188;

/** How long an SRT viewer counts as congested after libsrt refused a write. */
export const SRT_CONGESTION_HOLD_MS = 250;

/**
 * SRT play: the TS bytes go to libsrt's send buffer, which is this viewer's
 * queue (bounded by libsrt, not by us). libsrt takes a write or refuses it
 * whole; a refusal means the viewer's link cannot keep up, so for a short
 * while the sink reports itself as over the queue bound and the hub skips
 * the viewer forward to a later keyframe (or drops it after the stall
 * timeout), exactly as for a TCP viewer with a full socket buffer.
 */
export function srtPlaySink(connection: SrtWritable, metrics: IngestMetrics, queueBound: number, now: () => number = Date.now): HubSink {
  let congestedAt = -Infinity;
  const sendDatagram = (chunk: Buffer): boolean => {
    if (connection.isClosed) return false;
    if (connection.write(chunk)) {
      metrics.addBytesOut('srt', chunk.length);
      return true;
    }
    congestedAt = now();
    return false;
  };
  // A frame's TS is whole 188-byte packets: cut into payloads of up to seven (views, no copy).
  const send = (bytes: Buffer): boolean => {
    for (let offset = 0; offset < bytes.length; offset += SRT_PAYLOAD_BYTES) {
      if (!sendDatagram(bytes.subarray(offset, offset + SRT_PAYLOAD_BYTES))) return false;
    }
    return true;
  };
  return {
    write: (data) => {
      if (Buffer.isBuffer(data)) send(data);
      // The rest of a refused batch would arrive broken anyway.
      else for (const chunk of data) if (!send(chunk)) break;
    },
    get bufferedBytes() {
      return now() - congestedAt < SRT_CONGESTION_HOLD_MS ? queueBound + 1 : 0;
    },
    close: () => connection.close(),
  };
}

function byteLength(data: Buffer | readonly Buffer[]): number {
  return Buffer.isBuffer(data) ? data.length : data.reduce((sum, b) => sum + b.length, 0);
}

/** Several buffers in one corked batch: Node hands them to the kernel as one writev. */
function writeAll(socket: Duplex, data: Buffer | readonly Buffer[]): void {
  if (Buffer.isBuffer(data)) {
    socket.write(data);
    return;
  }
  socket.cork();
  for (const chunk of data) socket.write(chunk);
  socket.uncork();
}
