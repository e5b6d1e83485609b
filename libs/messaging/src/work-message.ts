import type { JsMsg } from 'nats';

/**
 * One delivery of a work-queue message, as its handler sees it. Settling is
 * idempotent: the first of ack/nak/term/leave wins and later calls are
 * ignored, so a handler and a drain racing to settle cannot double-settle.
 * A handler that returns without settling acks; one that throws naks with
 * the queue's retry delay.
 */
export interface WorkMessage<T> {
  readonly payload: T;
  /** The concrete subject, without the namespace. */
  readonly subject: string;
  /** `{id}` values read from the subject. */
  readonly params: Record<string, string>;
  /** The publisher's JetStream message id (`Nats-Msg-Id`), stable across redeliveries. */
  readonly msgId: string | undefined;
  /** 1 on the first delivery. */
  readonly deliveryCount: number;
  /** How often the message was delivered before this delivery (0 on the first). */
  readonly redeliveryCount: number;
  readonly settled: boolean;
  /** Tells JetStream the handler is still on it: the ack wait starts again. */
  working(): void;
  ack(): void;
  /** Hands the message back; it is redelivered after `delayMs` (at once without). */
  nak(delayMs?: number): void;
  /** Never deliver this message again. */
  term(): void;
  /** Settles nothing and stops extending: the message returns after its ack wait (another consumer holds it now). */
  leave(): void;
}

export class WorkMessageHandle<T> implements WorkMessage<T> {
  private done = false;
  private keepAlive?: NodeJS.Timeout;

  constructor(
    private readonly msg: JsMsg,
    readonly payload: T,
    readonly subject: string,
    readonly params: Record<string, string>,
  ) {}

  get msgId(): string | undefined {
    return this.msg.headers?.get('Nats-Msg-Id') || undefined;
  }

  get deliveryCount(): number {
    return this.msg.info.deliveryCount;
  }

  get redeliveryCount(): number {
    return Math.max(0, this.msg.info.deliveryCount - 1);
  }

  get settled(): boolean {
    return this.done;
  }

  /** Calls `working()` every `periodMs` until the message is settled. */
  keepAliveEvery(periodMs: number): void {
    this.keepAlive = setInterval(() => this.working(), periodMs);
    this.keepAlive.unref();
  }

  working(): void {
    if (!this.done) this.msg.working();
  }

  ack(): void {
    if (this.settle()) this.msg.ack();
  }

  nak(delayMs?: number): void {
    if (this.settle()) this.msg.nak(delayMs);
  }

  term(): void {
    // No reason on the wire: nats-server before 2.10 ignores a `+TERM <reason>` ack and redelivers.
    if (this.settle()) this.msg.term();
  }

  leave(): void {
    this.settle();
  }

  private settle(): boolean {
    clearInterval(this.keepAlive);
    if (this.done) return false;
    this.done = true;
    return true;
  }
}
