import { EventEmitter } from 'node:events';
import { SrtLatencyMsSchema, SrtPassphraseSchema } from '@mediaplane/contracts';
import { z } from 'zod';
import { loadSrtAddon, type NativeDecision, type NativeEvent, type NativeServerHandle } from './srt-addon';
import { SrtConnection } from './srt-connection';

/** Well-known SRT access-control reject codes (libsrt's SRT_REJX_*, access_control.h). */
export const SrtRejectCode = {
  BAD_REQUEST: 1400,
  UNAUTHORIZED: 1401,
  OVERLOAD: 1402,
  FORBIDDEN: 1403,
  NOT_FOUND: 1404,
  BAD_MODE: 1405,
  CONFLICT: 1409,
  TOO_MANY: 1429,
  INTERNAL: 1500,
  UNAVAILABLE: 1503,
} as const;

export interface SrtConnectRequest {
  /** The caller's raw SRT streamid (access-control string), e.g. `#!::r=live/KEY,m=publish`. */
  streamId: string;
  remoteAddress: string;
  remotePort: number;
}

export type SrtConnectDecision = { accept: true; passphrase?: string; keyLength?: 16 | 24 | 32; latencyMs?: number } | { accept: false; rejectCode: number };

const SrtConnectDecisionSchema = z.discriminatedUnion('accept', [
  z.object({
    accept: z.literal(true),
    passphrase: SrtPassphraseSchema.optional(),
    keyLength: z.union([z.literal(16), z.literal(24), z.literal(32)]).optional(),
    latencyMs: SrtLatencyMsSchema.optional(),
  }),
  z.object({ accept: z.literal(false), rejectCode: z.number().int().min(1000).max(2999) }),
]);

export const SrtServerOptionsSchema = z.object({
  /** Address to listen on: '0.0.0.0', '127.0.0.1', '::' (IPv6 and IPv4), … */
  host: z.string().min(1),
  /** UDP port; 0 picks a free one (read `server.port`). */
  port: z.number().int().min(0).max(65535),
  /** Default SRT latency (TSBPD delay) in ms, when a decision sets none. */
  latencyMs: z.number().int().min(0).max(60_000),
  /**
   * How long a connect request waits for `decide` before it is rejected with 1503 (fail closed).
   * libsrt runs the listen callback on the port's receive thread, so while one decision is
   * pending no packet of any connection on this port is processed: keep it short (≤ 1 s).
   */
  decisionTimeoutMs: z.number().int().min(1).max(60_000),
  /** Connections beyond this are rejected with 1402 (overload) before `decide` is asked. */
  maxConnections: z.number().int().min(1).max(100_000),
  /**
   * Per connection, received bytes not yet handed to JS beyond which the server stops reading
   * that connection (libsrt then drops what comes too late); default 4 MiB (~5 s at 6 Mb/s).
   */
  maxUndeliveredBytes: z
    .number()
    .int()
    .min(64 * 1024)
    .max(1024 * 1024 * 1024)
    .optional(),
});
export type SrtServerOptions = z.input<typeof SrtServerOptionsSchema>;

export interface SrtServerEvents {
  /** A caller passed `decide` and completed the SRT handshake. */
  connection: [connection: SrtConnection];
  /** The I/O thread failed; the server closes itself. */
  error: [error: Error];
  /** `decide` threw, rejected or answered something invalid: the caller was refused with 1500. */
  decisionError: [error: Error, request: SrtConnectRequest];
  /** Everything is closed (after close(), or after 'error'). */
  close: [];
}

export type SrtDecide = (request: SrtConnectRequest) => Promise<SrtConnectDecision>;

const DEFAULT_MAX_UNDELIVERED_BYTES = 4 * 1024 * 1024;

/**
 * An SRT listener on one UDP port serving many callers (libsrt through our N-API addon).
 *
 * Every caller is put to `decide` inside libsrt's listen callback, before any media: a reject
 * answers the handshake with the given SRT_REJX_* code, an accept may set the connection's
 * passphrase (the caller must present it, libsrt refuses others) and latency. No answer within
 * `decisionTimeoutMs` rejects with 1503.
 */
export class SrtServer extends EventEmitter<SrtServerEvents> {
  private readonly connections = new Map<number, SrtConnection>();
  private handle!: NativeServerHandle;
  private closing: Promise<void> | undefined;
  private resolveClosed!: () => void;
  private readonly closed: Promise<void>;
  private isOpen = true;
  readonly port: number;

  private constructor(
    options: z.output<typeof SrtServerOptionsSchema>,
    private readonly decide: SrtDecide,
  ) {
    super();
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    const addon = loadSrtAddon();
    this.handle = new addon.SrtServerHandle(
      { ...options, maxUndeliveredBytes: options.maxUndeliveredBytes ?? DEFAULT_MAX_UNDELIVERED_BYTES },
      (requestId, streamId, address, port) => this.onDecide(requestId, { streamId, remoteAddress: address, remotePort: port }),
      (events) => this.onEvents(events),
    );
    this.port = this.handle.port();
  }

  /** Binds and listens; rejects with the libsrt error when the port cannot be bound. */
  static async listen(options: SrtServerOptions, decide: SrtDecide): Promise<SrtServer> {
    const parsed = SrtServerOptionsSchema.safeParse(options);
    if (!parsed.success) throw new Error(`invalid SRT server options: ${z.prettifyError(parsed.error)}`);
    return new SrtServer(parsed.data, decide);
  }

  /** The libsrt version the addon runs on. */
  static libsrtVersion(): string {
    return loadSrtAddon().libsrtVersion;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Stops accepting, refuses pending decisions, closes every connection ('close': 'server closed') and the port. */
  close(): Promise<void> {
    if (!this.closing) {
      if (this.isOpen) this.handle.close();
      this.closing = this.closed;
    }
    return this.closing;
  }

  private onDecide(requestId: number, request: SrtConnectRequest): void {
    const answer = (decision: NativeDecision): void => {
      if (this.isOpen) this.handle.resolveDecision(requestId, decision);
    };
    const refuse = (error: unknown): void => {
      answer({ accept: false, rejectCode: SrtRejectCode.INTERNAL });
      this.emit('decisionError', error instanceof Error ? error : new Error(String(error)), request);
    };
    let pending: Promise<SrtConnectDecision>;
    try {
      pending = Promise.resolve(this.decide(request));
    } catch (error) {
      refuse(error);
      return;
    }
    pending.then((decision) => {
      const parsed = SrtConnectDecisionSchema.safeParse(decision);
      if (!parsed.success) {
        refuse(new Error(`invalid SRT connect decision: ${z.prettifyError(parsed.error)}`));
        return;
      }
      answer(parsed.data);
    }, refuse);
  }

  private onEvents(events: NativeEvent[]): void {
    for (const event of events) {
      switch (event.type) {
        case 'accept': {
          const connection = new SrtConnection(this.handle, event.id, event.streamId, event.address, event.port);
          this.connections.set(event.id, connection);
          this.emit('connection', connection);
          break;
        }
        case 'data':
          this.connections.get(event.id)?.onNativeData(event.data);
          break;
        case 'close': {
          const connection = this.connections.get(event.id);
          this.connections.delete(event.id);
          connection?.onNativeClose(event.reason);
          break;
        }
        case 'error':
          this.emit('error', new Error(event.message));
          break;
        case 'closed':
          this.isOpen = false;
          // The I/O thread sent its last event and only releases its thread-safe functions now.
          this.handle.join();
          this.resolveClosed();
          this.emit('close');
          break;
      }
    }
  }
}
