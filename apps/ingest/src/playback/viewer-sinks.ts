import type { Socket } from 'node:net';
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { idleSocketFd, isTlsSocket, type HubSink, type RtmpServerConnection } from '@mediaplane/media-io';
import type { ByteTally, IngestMetrics } from '../observability/ingest-metrics';

/*
 * The sinks are classes, not object literals with getters: a literal's getter is a new closure for every
 * viewer, so V8 could not cache the hub's `sink.bufferedBytes` load in its loop over the viewers, and
 * every viewer of every frame took the generic property lookup (perf at 100 HTTP-FLV viewers: that
 * lookup and the getter were ~9 % of the ingest's main-thread samples). Instances of a class share
 * one shape and one getter.
 */

/**
 * HTTP-FLV. The response is close-delimited (`Connection: close`, no
 * Content-Length, no chunked encoding), so after the headers the body bytes
 * go straight to the socket: one write per batch, no per-write chunk framing
 * by the HTTP layer (that framing cost more than the rest of the fan-out).
 * The internal MPEG-TS pull uses it too (`bytesLabel` 'ts').
 */
export class HttpFlvSink implements HubSink {
  readonly releasesWrittenBytes: boolean;
  private readonly sent: ByteTally;

  constructor(
    private readonly res: ServerResponse,
    private readonly socket: Socket,
    metrics: IngestMetrics,
    bytesLabel = 'flv',
  ) {
    this.releasesWrittenBytes = !isTlsSocket(socket);
    this.sent = metrics.bytesOutTally(bytesLabel);
  }

  write(data: Buffer | readonly Buffer[]): void {
    if (this.socket.destroyed) return;
    this.sent.bytes += byteLength(data);
    writeAll(this.socket, data);
  }

  get bufferedBytes(): number {
    return this.socket.writableLength;
  }

  directFd(): number {
    return this.releasesWrittenBytes ? idleSocketFd(this.socket) : -1;
  }

  sentDirectly(bytes: number): void {
    this.sent.bytes += bytes;
  }

  close(): void {
    if (!this.res.writableEnded) this.res.end();
    // A viewer that is not reading would keep the ended response (and its buffer) forever.
    const socket = this.socket;
    setTimeout(() => socket.destroy(), 2000).unref();
  }
}

/**
 * WebSocket-FLV: the bytes arrive framed (WsFlvHubEncoder: a binary message
 * per FLV tag, the same for every viewer) and go straight to the upgraded
 * socket; `ws` still handles the handshake, pings and the close handshake.
 */
export class WsFlvSink implements HubSink {
  readonly releasesWrittenBytes: boolean;
  private readonly sent: ByteTally;

  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Duplex,
    metrics: IngestMetrics,
  ) {
    this.releasesWrittenBytes = !isTlsSocket(socket);
    this.sent = metrics.bytesOutTally('wsflv');
  }

  write(data: Buffer | readonly Buffer[]): void {
    if (this.ws.readyState !== this.ws.OPEN || this.socket.destroyed) return;
    this.sent.bytes += byteLength(data);
    writeAll(this.socket, data);
  }

  get bufferedBytes(): number {
    return this.socket.writableLength + this.ws.bufferedAmount;
  }

  /** Not while `ws` holds a frame of its own (a ping, a close) it has not written yet. */
  directFd(): number {
    if (!this.releasesWrittenBytes || this.ws.readyState !== this.ws.OPEN || this.ws.bufferedAmount !== 0) return -1;
    return idleSocketFd(this.socket);
  }

  sentDirectly(bytes: number): void {
    this.sent.bytes += bytes;
  }

  close(reason: string): void {
    const ws = this.ws;
    if (ws.readyState === ws.OPEN) ws.close(1000, reason.slice(0, 120));
    setTimeout(() => ws.terminate(), 2000).unref();
  }
}

/**
 * RTMP play: the batches are chunked once for every viewer with the same
 * chunk size and stream id (RtmpHubEncoder) and go straight to the
 * connection's socket, like HTTP-FLV's; the connection's own messages
 * (status, pings, acknowledgements) share that socket.
 */
export class RtmpPlaySink implements HubSink {
  readonly releasesWrittenBytes: boolean;
  private readonly socket: Duplex;
  private readonly sent: ByteTally;

  constructor(
    private readonly connection: RtmpServerConnection,
    metrics: IngestMetrics,
  ) {
    this.socket = connection.encodedMediaOutput();
    this.releasesWrittenBytes = !isTlsSocket(this.socket);
    this.sent = metrics.bytesOutTally('rtmp');
  }

  write(data: Buffer | readonly Buffer[]): void {
    // Ended: the connection is closing (its 'close' detaches the viewer), and a write now would be an error.
    if (this.socket.writableEnded || this.socket.destroyed) return;
    this.sent.bytes += byteLength(data);
    writeAll(this.socket, data);
  }

  get bufferedBytes(): number {
    return this.socket.writableLength;
  }

  directFd(): number {
    return this.releasesWrittenBytes ? idleSocketFd(this.socket) : -1;
  }

  sentDirectly(bytes: number): void {
    this.sent.bytes += bytes;
  }

  close(reason: string): void {
    this.connection.notifyUnpublished();
    this.connection.close(reason);
  }
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
export class SrtPlaySink implements HubSink {
  private congestedAt = -Infinity;
  private readonly sent: ByteTally;

  constructor(
    private readonly connection: SrtWritable,
    metrics: IngestMetrics,
    private readonly queueBound: number,
    private readonly now: () => number = Date.now,
  ) {
    this.sent = metrics.bytesOutTally('srt');
  }

  write(data: Buffer | readonly Buffer[]): void {
    if (Buffer.isBuffer(data)) this.send(data);
    // The rest of a refused batch would arrive broken anyway.
    else for (const chunk of data) if (!this.send(chunk)) break;
  }

  get bufferedBytes(): number {
    return this.now() - this.congestedAt < SRT_CONGESTION_HOLD_MS ? this.queueBound + 1 : 0;
  }

  close(): void {
    this.connection.close();
  }

  /** A frame's TS is whole 188-byte packets: cut into payloads of up to seven (views, no copy). */
  private send(bytes: Buffer): boolean {
    for (let offset = 0; offset < bytes.length; offset += SRT_PAYLOAD_BYTES) {
      if (!this.sendDatagram(bytes.subarray(offset, offset + SRT_PAYLOAD_BYTES))) return false;
    }
    return true;
  }

  private sendDatagram(chunk: Buffer): boolean {
    if (this.connection.isClosed) return false;
    if (this.connection.write(chunk)) {
      this.sent.bytes += chunk.length;
      return true;
    }
    this.congestedAt = this.now();
    return false;
  }
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
