import { randomUUID } from 'node:crypto';
import {
  AckPolicy,
  DeliverPolicy,
  connect,
  headers as natsHeaders,
  type ConsumerMessages,
  type JetStreamClient,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  type Subscription,
} from 'nats';
import type { z } from 'zod';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { fillSubject, parseSubject, subjectMatches, subjectPattern, type EventContract, type RequestContract } from '@mediaplane/contracts';
import { counter, extractTraceContext, getTracer, injectTraceContext, type Logger, type Registry } from '@mediaplane/observability';
import { BusRequestError, ContractViolationError } from './bus-errors';
import { natsHeaderCarrier } from './nats-headers-carrier';
import { decodeJson, encodeJson, validatePayload } from './validate-payload';
import { ensureEventsStream, eventsStreamName } from './jetstream-setup';

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
}

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
  private readonly consumers: ConsumerMessages[] = [];
  private js?: JetStreamClient;

  private constructor(
    readonly nc: NatsConnection,
    private readonly options: BusOptions,
  ) {
    this.invalid = options.metrics
      ? counter(options.metrics, 'mediaplane_bus_invalid_payloads_total', 'NATS payloads rejected by their contract schema', ['subject'])
      : undefined;
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
        this.js ??= this.nc.jetstream();
        await this.js.publish(subject, encodeJson(body), { msgID: options.msgId ?? randomUUID(), headers: hdrs });
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

  respond<C extends RequestContract>(contract: C, handler: RequestHandler<C>, options: { queue?: string } = {}): Subscription {
    return this.listen(contract.subject, options.queue ?? this.options.queueGroup, async (msg, delivery) => {
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
    });
  }

  /**
   * Durable, at-least-once consumption from JetStream. A handler that throws
   * gets the message again after `retryDelayMs` (nak with delay).
   */
  async consumeDurable(
    durableName: string,
    filterTemplates: string[],
    handler: (subject: string, payload: unknown, info: { msgId?: string; redeliveryCount: number }) => Promise<void>,
    options: { retryDelayMs?: (attempt: number) => number; maxDeliver?: number; deliverNew?: boolean } = {},
  ): Promise<void> {
    const jsm = await this.nc.jetstreamManager();
    const stream = eventsStreamName(this.options.namespace);
    const patterns = filterTemplates.map((t) => `${this.options.namespace}.${subjectPattern(t)}`);
    // Debian's nats-server (2.9) has no multi-subject filters: one subject filters on the
    // server, several are matched here and the rest acknowledged unseen.
    const filter_subject = patterns.length === 1 ? patterns[0] : undefined;
    try {
      await jsm.consumers.info(stream, durableName);
      await jsm.consumers.update(stream, durableName, { filter_subject, max_deliver: options.maxDeliver ?? -1 });
    } catch {
      await jsm.consumers.add(stream, {
        durable_name: durableName,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: options.deliverNew ? DeliverPolicy.New : DeliverPolicy.All,
        filter_subject,
        max_deliver: options.maxDeliver ?? -1,
        ack_wait: 30_000_000_000,
      });
    }
    this.js ??= this.nc.jetstream();
    const consumer = await this.js.consumers.get(stream, durableName);
    const messages = await consumer.consume({ max_messages: 64 });
    this.consumers.push(messages);
    void (async () => {
      for await (const m of messages) {
        if (!patterns.some((p) => subjectMatches(p, m.subject))) {
          m.ack();
          continue;
        }
        const subject = this.stripNamespace(m.subject);
        const redeliveryCount = m.info.redeliveryCount;
        try {
          await context.with(extractTraceContext(natsHeaderCarrier(m.headers ?? natsHeaders())), async () =>
            handler(subject, decodeJson(subject, m.data), { msgId: m.headers?.get('Nats-Msg-Id'), redeliveryCount }),
          );
          m.ack();
        } catch (error) {
          const delay = options.retryDelayMs?.(redeliveryCount) ?? Math.min(60_000, 500 * 2 ** Math.min(redeliveryCount, 7));
          this.options.logger.warn({ subject, redeliveryCount, err: error }, 'durable handler failed; will retry');
          m.nak(delay);
        }
      }
    })();
  }

  /** Raw subscription for transports: validates, traces and isolates handler failures. */
  listen(template: string, queue: string | undefined, handler: (msg: Msg, delivery: Delivery) => Promise<void>): Subscription {
    const pattern = `${this.options.namespace}.${subjectPattern(template)}`;
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
    for (const c of this.consumers) await c.close().catch(() => undefined);
    for (const s of this.subscriptions) s.unsubscribe();
    if (!this.nc.isClosed()) await this.nc.drain().catch(() => undefined);
  }
}
