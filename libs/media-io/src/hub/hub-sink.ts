import type { Duplex } from 'node:stream';

/**
 * Where a viewer's bytes go: an HTTP response, a WebSocket, an RTMP
 * connection. The transport's own write buffer is the viewer's queue; the
 * hub bounds it by watching `bufferedBytes` and never writes past the bound.
 */
export interface HubSink {
  /**
   * Writes bytes in order. An array is one logical write of several shared
   * buffers (a join's GOP, a slow viewer's selection): transports should
   * write them without concatenating (cork + writes = one writev), since
   * copying a GOP per joining viewer costs memory and CPU.
   */
  write(data: Buffer | readonly Buffer[]): void;
  /** Bytes accepted by write() and not yet handed to the kernel. */
  readonly bufferedBytes: number;
  /**
   * True only when the sink holds no reference to written bytes once its
   * bufferedBytes is 0 again: a plain TCP socket, which the kernel copies
   * from at once. The hub then writes the next batch into the same memory
   * (see LiveBatchPool). Leave it unset for anything that may keep what it
   * was given (a TLS socket, a queue in JavaScript).
   */
  readonly releasesWrittenBytes?: boolean;
  /** Ends the viewer's connection; the transport then calls StreamHub.removeViewer. */
  close(reason: string): void;
  /**
   * The descriptor of the kernel socket this sink writes to, while the hub may
   * send bytes to it directly instead of calling write(): a plain TCP socket,
   * open, with nothing queued anywhere on the way to it (so direct bytes keep
   * their order). -1 otherwise. A sink without it is always written through.
   */
  directFd?(): number;
  /** `bytes` were sent to directFd() directly (for the sink's byte counters). */
  sentDirectly?(bytes: number): void;
}

/**
 * A plain socket's descriptor while nothing is queued on it (no bytes in
 * Node's write queue or libuv's, not corked, not ending), else -1. Relies on
 * the TCP handle's `fd`, which Node sets on POSIX systems.
 */
export function idleSocketFd(socket: Duplex): number {
  if (socket.destroyed || socket.writableEnded || socket.writableLength !== 0 || socket.writableCorked !== 0) return -1;
  const fd = (socket as { _handle?: { fd?: unknown } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : -1;
}

/**
 * Whether a socket is TLS (RTMPS, HTTPS). A plain TCP socket holds no
 * reference to what it was given once its writableLength is 0 again (Node
 * tried the write at once and the kernel copied it all); a TLS socket is left
 * out of that, whatever its internals do with plaintext it cannot encrypt yet.
 */
export function isTlsSocket(socket: Duplex): boolean {
  return (socket as { encrypted?: boolean }).encrypted === true;
}
