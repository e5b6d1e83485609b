import { AckPolicy, DeliverPolicy, type ConsumerConfig, type JetStreamManager } from 'nats';

export interface DurableConsumerSettings {
  /** Server-side subject filter (one subject: Debian's nats-server 2.9 has no multi-subject filters). */
  filterSubject?: string;
  ackWaitMs: number;
  /** Where a new consumer starts: every stored message, or only those published from now on. */
  deliverNew: boolean;
  maxDeliver: number;
  maxAckPending: number;
}

/**
 * Creates the durable pull consumer, or brings an existing one to the wanted
 * settings. Idempotent and safe when several instances start at once: the
 * loser of a concurrent create finds the consumer made by the winner.
 */
export async function ensureDurableConsumer(jsm: JetStreamManager, stream: string, durable: string, settings: DurableConsumerSettings): Promise<void> {
  const wanted: Partial<ConsumerConfig> = {
    filter_subject: settings.filterSubject,
    ack_wait: settings.ackWaitMs * 1_000_000,
    max_deliver: settings.maxDeliver,
    max_ack_pending: settings.maxAckPending,
  };
  try {
    const info = await jsm.consumers.info(stream, durable);
    const c = info.config;
    if (
      c.filter_subject !== wanted.filter_subject ||
      c.ack_wait !== wanted.ack_wait ||
      c.max_deliver !== wanted.max_deliver ||
      c.max_ack_pending !== wanted.max_ack_pending
    ) {
      await jsm.consumers.update(stream, durable, wanted);
    }
    return;
  } catch (error) {
    if (!/not found/i.test(String((error as Error)?.message ?? error))) throw error;
  }
  try {
    await jsm.consumers.add(stream, {
      ...wanted,
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: settings.deliverNew ? DeliverPolicy.New : DeliverPolicy.All,
    });
  } catch (error) {
    if (!/already (in use|exists)/i.test(String((error as Error)?.message ?? error))) throw error;
  }
}
