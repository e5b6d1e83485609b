import { randomUUID } from 'node:crypto';
import { connect, headers as natsHeaders, type JetStreamClient, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from 'nats';
import type { z } from 'zod';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { fillSubject, parseSubject, subjectPattern, type EventContract, type RequestContract } from '@mediaplane/contracts';
import { counter, extractTraceContext, getTracer, injectTraceContext, type Logger, type Registry } from '@mediaplane/observability';
import { BusRequestError, ContractViolationError } from './bus-errors';
import { natsHeaderCarrier } from './nats-headers-carrier';
import { decodeJson, encodeJson, validatePayload } from './validate-payload';
import { ensureEventsStream, eventsStreamName } from './jetstream-setup';
import { KvBucket, kvBucketName, type KvBucketOptions, type KvCodec } from './kv-bucket';
import { WorkQueueRunner, route, type WorkHandler, type WorkQueue, type WorkQueueOptions, type WorkRoute } from './work-queue';

const ERROR_HEADER = 'Mediaplane-Error';

export interface BusOptions {
  /** Prefix of every subject and of the JetStream stream name. */
  namespace: string;
  /** Queue group for request handlers and non-broadcast events: the app's name. */
  queueGroup: string;
  logger: Logger;
  metrics?: Registry;
  requestTimeoutMs?: number;
  name?: string;
  /**
   * How long `publish` of a durable event keeps retrying (same message id, so
   * JetStream stores it once) while NATS or its JetStream is unreachable, e.g.
   * during a server restart. Default 60 s.
   */
  durablePublishRetryMs?: number;
}

const DURABLE_RETRY_MAX_DELAY_MS = 2000;

export interface Delivery {
  /** The concrete subject, without the namespace. */
  subject: string;
  /** `{id}` values read from the subject. */
  params: Record<string, string>;
}

type Params = Record<string, string>;
type EventHandler<C extends EventContract> = (payload: z.output<C['schema']>, delivery: Delivery) => void | Promise<void>;
type RequestHandler<C extends RequestContract> = (
  payload: z.output<C['request']>,
  delivery: Delivery,
) => z.input<C['response']> | Promise<z.input<C['response']>>;

/**
 * The typed message bus every app uses: contracts in, validated payloads out,
 * trace context in headers, namespaced subjects, JetStream for durable events.
 * Handlers that throw or receive bad payloads are logged and counted; they
 * never take the subscription or the process down.
 */
export class Bus {
  private readonly tracer = getTracer('mediaplane.bus');
  private readonly invalid;
  private readonly subscriptions: Subscription[] = [];
  private readonly queues: WorkQueueRunner[] = [];
  private js?: JetStreamClient;
  private linkUp = true;

  private constructor(
    readonly nc: NatsConnection,
    private readonly options: BusOptions,
  ) {
    this.invalid = options.metrics
      ? counter(options.metrics, 'mediaplane_bus_invalid_payloads_total', 'NATS payloads rejected by their contract schema', ['subject'])
      : undefined;
    void this.followStatus();
  }

  /** Whether the connection to NATS is up now (false between a disconnect and the reconnect): a readiness check. */
  get connected(): boolean {
    return this.linkUp && !this.nc.isClosed();
  }

  /** nats.js reconnects on its own (resubscribing); this only tracks and logs the link for readiness and operators. */
  private async followStatus(): Promise<void> {
    for await (const status of this.nc.status()) {
      if (status.type === 'disconnect') {
        this.linkUp = false;
        this.options.logger.warn({ server: status.data }, 'NATS disconnected; reconnecting');
      } else if (status.type === 'reconnect') {
        this.linkUp = true;
        this.options.logger.info({ server: status.data }, 'NATS reconnected');
      }
    }
  }

  static async connect(servers: string, options: BusOptions): Promise<Bus> {
    const nc = await connect({
      servers: servers.split(',').map((s) => s.trim()),
      name: options.name ?? options.queueGroup,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
    });
    return new Bus(nc, options);
  }

  get namespace(): string {
    return this.options.namespace;
  }

  /** Namespaced concrete subject for a contract and its ids. */
  subject(template: string, params: Params = {}): string {
    return `${this.options.namespace}.${fillSubject(template, params)}`;
  }

  /** Sets up the JetStream stream for durable events (idempotent). */
  async ensureJetStream(): Promise<string> {
    return ensureEventsStream(await this.nc.jetstreamManager(), this.options.namespace);
  }

  async publish<C extends EventContract>(contract: C, params: Params, payload: z.input<C['schema']>, options: { msgId?: string } = {}): Promise<void> {
    const subject = this.subject(contract.subject, params);
    const body = validatePayload(contract.schema, subject, payload);
    const span = this.tracer.startSpan(`publish ${contract.subject}`, {
      kind: SpanKind.PRODUCER,
      attributes: { 'messaging.system': 'nats', 'messaging.destination.name': contract.subject },
    });
    try {
      const hdrs = natsHeaders();
      injectTraceContext(natsHeaderCarrier(hdrs), trace.setSpan(context.active(), span));
      if (contract.durable) {
        await this.publishDurable(subject, encodeJson(body), options.msgId ?? randomUUID(), hdrs);
      } else {
        this.nc.publish(subject, encodeJson(body), { headers: hdrs });
      }
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
      throw error;
    } finally {
      span.end();
    }
  }

  /**
   * At-least-once from this side too: a must-deliver event is retried with
   * capped backoff until JetStream acknowledges it or the retry window ends
   * (then the error is thrown). Retries reuse the message id, so one that was
   * stored although its acknowledgement was lost is not stored twice.
   */
  private async publishDurable(subject: string, data: Uint8Array, msgID: string, headers: MsgHdrs): Promise<void> {
    const deadline = Date.now() + (this.options.durablePublishRetryMs ?? 60_000);
    for (let attempt = 0; ; attempt++) {
      try {
        await this.jetstream().publish(subject, data, { msgID, headers });
        if (attempt > 0) this.options.logger.info({ subject, attempts: attempt + 1 }, 'durable event stored after retries');
        return;
      } catch (error) {
        if (this.nc.isClosed() || Date.now() >= deadline) throw error;
        if (attempt === 0) this.options.logger.warn({ subject, err: error }, 'durable event not stored yet; retrying');
        await new Promise((resolve) => setTimeout(resolve, Math.min(DURABLE_RETRY_MAX_DELAY_MS, 100 * 2 ** attempt)));
      }
    }
  }

  async request<C extends RequestContract>(
    contract: C,
    params: Params,
    payload: z.input<C['request']>,
    options: { timeoutMs?: number } = {},
  ): Promise<z.output<C['response']>> {
    const subject = this.subject(contract.subject, params);
    const body = validatePayload(contract.request, subject, payload);
    const span = this.tracer.startSpan(`request ${contract.subject}`, {
      kind: SpanKind.CLIENT,
      attributes: { 'messaging.system': 'nats', 'messaging.destination.name': contract.subject },
    });
    const spanContext = trace.setSpan(context.active(), span);
    try {
      const hdrs = natsHeaders();
      injectTraceContext(natsHeaderCarrier(hdrs), spanContext);
      let reply: Msg;
      try {
        reply = await this.nc.request(subject, encodeJson(body), { timeout: options.timeoutMs ?? this.options.requestTimeoutMs ?? 3000, headers: hdrs });
      } catch (error) {
        const text = String((error as Error).message ?? error);
        throw new BusRequestError(contract.subject, text, /no responders|503/i.test(text) ? 'no_responders' : 'timeout');
      }
      const remoteError = reply.headers?.get(ERROR_HEADER);
      if (remoteError) throw new BusRequestError(contract.subject, remoteError, 'remote_error');
      try {
        return validatePayload<C['response']>(contract.response, subject, decodeJson(subject, reply.data));
      } catch (error) {
        throw new BusRequestError(contract.subject, (error as Error).message, 'bad_response');
      }
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  }

  /** Core-NATS subscription (at most once). Durable events also arrive here while the subscriber is up. */
  subscribe<C extends EventContract>(contract: C, handler: EventHandler<C>, options: { queue?: string | false } = {}): Subscription {
    const queue = options.queue === false || contract.broadcast ? undefined : (options.queue ?? this.options.queueGroup);
    return this.listen(contract.subject, queue, async (msg, delivery) => {
      const payload = validatePayload<C['schema']>(contract.schema, msg.subject, decodeJson(msg.subject, msg.data));
      await handler(payload, delivery);
    });
  }

  /**
   * Answers a request contract. `accept` lets several instances listen without a queue group where only the
   * holder of an id may answer (a capture agent and its devices): the others stay silent, before validation.
   */
  respond<C extends RequestContract>(
    contract: C,
    handler: RequestHandler<C>,
    options: { queue?: string | false; accept?: (delivery: Delivery) => boolean; params?: Params } = {},
  ): Subscription {
    const queue = options.queue === false ? undefined : (options.queue ?? this.options.queueGroup);
    return this.listen(
      contract.subject,
      queue,
      async (msg, delivery) => {
        if (options.accept && !options.accept(delivery)) return;
        let payload: z.output<C['request']>;
        try {
          payload = validatePayload<C['request']>(contract.request, msg.subject, decodeJson(msg.subject, msg.data));
        } catch (error) {
          this.replyError(msg, (error as Error).message);
          throw error;
        }
        try {
          const result = await handler(payload, delivery);
          msg.respond(encodeJson(validatePayload(contract.response, msg.subject, result)));
        } catch (error) {
          this.replyError(msg, (error as Error).message);
          throw error;
        }
      },
      options.params,
    );
  }

  /**
   * A typed work queue over JetStream: one durable consumer shared by every
   * instance, each message to one of them, at most `concurrency` at a time
   * here. See WorkQueueRunner for validation, tracing and settling.
   */
  async workQueue<C extends EventContract>(contract: C, options: WorkQueueOptions, handler: WorkHandler<C>): Promise<WorkQueue> {
    return this.durableConsumer([route(contract, handler)], options);
  }

  /** Durable, at-least-once consumption of several contracts through one consumer (`route(contract, handler)` each). */
  async durableConsumer(routes: WorkRoute[], options: WorkQueueOptions): Promise<WorkQueue> {
    const runner = new WorkQueueRunner(
      {
        js: this.jetstream(),
        jsm: await this.nc.jetstreamManager(),
        stream: eventsStreamName(this.options.namespace),
        namespace: this.options.namespace,
        logger: this.options.logger,
        tracer: this.tracer,
        invalid: this.invalid,
      },
      routes,
      options,
    );
    await runner.start();
    this.queues.push(runner);
    return runner;
  }

  /** Opens (creating when missing) the namespaced KV bucket `<namespace>_<suffix>`. */
  async kvBucket<T>(suffix: string, codec: KvCodec<T>, options: KvBucketOptions): Promise<KvBucket<T>> {
    return KvBucket.open(this.jetstream(), kvBucketName(this.options.namespace, suffix), codec, options);
  }

  private jetstream(): JetStreamClient {
    this.js ??= this.nc.jetstream();
    return this.js;
  }

  /**
   * Raw subscription for transports: validates, traces and isolates handler failures. With `params` it subscribes
   * to that one concrete subject instead of the wildcard pattern (e.g. only this instance's own ping).
   */
  listen(template: string, queue: string | undefined, handler: (msg: Msg, delivery: Delivery) => Promise<void>, params?: Params): Subscription {
    const pattern = `${this.options.namespace}.${params ? fillSubject(template, params) : subjectPattern(template)}`;
    const sub = this.nc.subscribe(pattern, {
      queue,
      callback: (error, msg) => {
        if (error) {
          this.options.logger.error({ err: error, subject: template }, 'subscription error');
          return;
        }
        const subject = this.stripNamespace(msg.subject);
        const delivery: Delivery = { subject, params: parseSubject(template, subject) ?? {} };
        const parent = extractTraceContext(natsHeaderCarrier(msg.headers ?? natsHeaders()));
        const span = this.tracer.startSpan(
          `process ${template}`,
          { kind: SpanKind.CONSUMER, attributes: { 'messaging.system': 'nats', 'messaging.destination.name': template } },
          parent,
        );
        context
          .with(trace.setSpan(parent, span), () => handler(msg, delivery))
          .catch((err: unknown) => {
            span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
            if (err instanceof ContractViolationError) {
              this.invalid?.inc({ subject: template });
              this.options.logger.warn({ subject: template, issues: err.issues }, 'rejected a payload that violates its contract');
            } else {
              this.options.logger.error({ subject: template, err }, 'message handler failed');
            }
          })
          .finally(() => span.end());
      },
    });
    this.subscriptions.push(sub);
    return sub;
  }

  private replyError(msg: Msg, message: string): void {
    if (!msg.reply) return;
    const hdrs: MsgHdrs = natsHeaders();
    hdrs.set(ERROR_HEADER, message.slice(0, 1000));
    msg.respond(new Uint8Array(0), { headers: hdrs });
  }

  private stripNamespace(subject: string): string {
    const prefix = `${this.options.namespace}.`;
    return subject.startsWith(prefix) ? subject.slice(prefix.length) : subject;
  }

  /** Stops every subscription and consumer, flushes what is pending, then closes. */
  async close(): Promise<void> {
    for (const q of this.queues) q.halt();
    for (const s of this.subscriptions) s.unsubscribe();
    if (!this.nc.isClosed()) await this.nc.drain().catch(() => undefined);
  }
}
