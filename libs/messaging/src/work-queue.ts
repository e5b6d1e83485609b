import { headers as natsHeaders, type Consumer, type JetStreamClient, type JetStreamManager, type JsMsg } from 'nats';
import type { z } from 'zod';
import { SpanKind, SpanStatusCode, context, trace, type Tracer } from '@opentelemetry/api';
import { parseSubject, subjectMatches, subjectPattern, type EventContract } from '@mediaplane/contracts';
import { extractTraceContext, type Counter, type Logger } from '@mediaplane/observability';
import { ContractViolationError } from './bus-errors';
import { ensureDurableConsumer } from './durable-consumer-setup';
import { natsHeaderCarrier } from './nats-headers-carrier';
import { decodeJson, validatePayload } from './validate-payload';
import { WorkMessageHandle, type WorkMessage } from './work-message';

export type WorkHandler<C extends EventContract> = (msg: WorkMessage<z.output<C['schema']>>) => void | Promise<void>;

/** One contract a durable consumer takes and what it does with each message. */
export interface WorkRoute {
  readonly contract: EventContract;
  readonly handler: (msg: WorkMessage<unknown>) => void | Promise<void>;
}

/** Binds a handler to a contract, typing its payload from the contract's schema. */
export function route<C extends EventContract>(contract: C, handler: WorkHandler<C>): WorkRoute {
  return { contract, handler: handler as WorkRoute['handler'] };
}

export interface WorkQueueOptions {
  /** Durable consumer name, shared by every instance that takes from the queue. */
  durable: string;
  /** A delivery not acked, naked or extended (`working()`) for this long goes to another consumer. */
  ackWaitMs: number;
  /** Messages handled at once by this instance; at the limit it stops pulling. Default 1. */
  concurrency?: number;
  /** Extends each message with `working()` this often while its handler runs (long jobs). */
  keepAliveMs?: number;
  /** A new consumer starts with messages published from now on instead of all stored ones. */
  deliverNew?: boolean;
  maxDeliver?: number;
  /** Delay before a message whose handler threw comes back; default exponential from 1 s to 60 s. */
  retryDelayMs?: (deliveryCount: number) => number;
  /** How long one pull waits for a message; bounds how long `stop()` waits for the puller. Default 2000. */
  pullExpiresMs?: number;
}

/** A running work queue consumer. */
export interface WorkQueue {
  /** Handlers running now. */
  readonly active: number;
  /** Stops pulling and waits for the running handlers (unsettled messages return after their ack wait). */
  stop(): Promise<void>;
}

export interface WorkQueueDeps {
  js: JetStreamClient;
  jsm: JetStreamManager;
  stream: string;
  namespace: string;
  logger: Logger;
  tracer: Tracer;
  invalid?: Counter<string>;
}

/**
 * Pulls from a durable JetStream consumer while it has capacity: validates
 * each payload against its contract (invalid ones are counted and
 * terminated), runs the handler inside the trace context of the message
 * headers, and settles what the handler left unsettled.
 */
export class WorkQueueRunner implements WorkQueue {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly patterns: { pattern: string; route: WorkRoute }[];
  private readonly concurrency: number;
  private stopping = false;
  private loop?: Promise<void>;

  constructor(
    private readonly deps: WorkQueueDeps,
    routes: WorkRoute[],
    private readonly options: WorkQueueOptions,
  ) {
    if (routes.length === 0) throw new Error(`work queue ${options.durable} needs at least one contract`);
    for (const r of routes) if (!r.contract.durable) throw new Error(`${r.contract.subject} is not a durable contract: it never reaches JetStream`);
    this.patterns = routes.map((r) => ({ pattern: `${deps.namespace}.${subjectPattern(r.contract.subject)}`, route: r }));
    this.concurrency = Math.max(1, options.concurrency ?? 1);
  }

  get active(): number {
    return this.inFlight.size;
  }

  async start(): Promise<void> {
    // Several contracts share one consumer: one subject filters on the server, several are matched here.
    const filterSubject = this.patterns.length === 1 ? this.patterns[0]?.pattern : undefined;
    await ensureDurableConsumer(this.deps.jsm, this.deps.stream, this.options.durable, {
      filterSubject,
      ackWaitMs: this.options.ackWaitMs,
      deliverNew: this.options.deliverNew ?? false,
      maxDeliver: this.options.maxDeliver ?? -1,
      maxAckPending: -1,
    });
    const consumer = await this.deps.js.consumers.get(this.deps.stream, this.options.durable);
    this.loop = this.pull(consumer);
  }

  /** Stops pulling without waiting (the connection is about to close). */
  halt(): void {
    this.stopping = true;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.inFlight]);
    await this.loop;
  }

  private async pull(consumer: Consumer): Promise<void> {
    // One message per pull, only while there is a free slot: a message buffered
    // here while we are busy would sit out its ack wait instead of going to a free worker.
    while (!this.stopping) {
      if (this.inFlight.size >= this.concurrency) {
        await Promise.race(this.inFlight);
        continue;
      }
      let msg: JsMsg | null;
      try {
        msg = await consumer.next({ expires: this.options.pullExpiresMs ?? 2000 });
      } catch (error) {
        if (this.stopping) break;
        this.deps.logger.warn({ err: error, durable: this.options.durable }, 'work queue pull failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, 1000));
        continue;
      }
      if (!msg) continue;
      if (this.stopping) {
        msg.nak();
        break;
      }
      this.dispatch(msg);
    }
  }

  private dispatch(msg: JsMsg): void {
    const match = this.patterns.find((p) => subjectMatches(p.pattern, msg.subject));
    if (!match) {
      msg.ack(); // another durable event of the stream, not one of ours
      return;
    }
    const template = match.route.contract.subject;
    const subject = msg.subject.slice(this.deps.namespace.length + 1);
    const parent = extractTraceContext(natsHeaderCarrier(msg.headers ?? natsHeaders()));
    const span = this.deps.tracer.startSpan(
      `process ${template}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'nats',
          'messaging.destination.name': template,
          'messaging.consumer.group.name': this.options.durable,
          'messaging.message.delivery_count': msg.info.deliveryCount,
        },
      },
      parent,
    );
    let payload: unknown;
    try {
      payload = validatePayload(match.route.contract.schema, subject, decodeJson(subject, msg.data));
    } catch (error) {
      const issues = error instanceof ContractViolationError ? error.issues : String(error);
      this.deps.invalid?.inc({ subject: template });
      this.deps.logger.warn({ subject: template, durable: this.options.durable, issues }, 'terminated a work message that violates its contract');
      span.setStatus({ code: SpanStatusCode.ERROR, message: issues });
      span.end();
      msg.term(); // no reason: nats-server before 2.10 ignores `+TERM <reason>` and redelivers
      return;
    }
    const handle = new WorkMessageHandle(msg, payload, subject, parseSubject(template, subject) ?? {});
    if (this.options.keepAliveMs) handle.keepAliveEvery(this.options.keepAliveMs);
    const task: Promise<void> = context
      .with(trace.setSpan(parent, span), async () => match.route.handler(handle))
      .then(() => handle.ack())
      .catch((error: unknown) => {
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message ?? String(error) });
        const delay = this.options.retryDelayMs?.(handle.deliveryCount) ?? Math.min(60_000, 500 * 2 ** Math.min(handle.deliveryCount, 7));
        this.deps.logger.warn({ subject, durable: this.options.durable, deliveryCount: handle.deliveryCount, err: error }, 'work handler failed; will retry');
        handle.nak(delay);
      })
      .finally(() => {
        handle.leave(); // stops the keep-alive of a message settled by someone else
        span.end();
        this.inFlight.delete(task);
      });
    this.inFlight.add(task);
  }
}
