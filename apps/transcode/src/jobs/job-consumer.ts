import { AckPolicy, DeliverPolicy, type Consumer, type JetStreamManager, type NatsConnection } from 'nats';
import { streamContracts, subjectPattern } from '@mediaplane/contracts';
import { eventsStreamName } from '@mediaplane/messaging';

export const JOB_CONSUMER = 'transcode-jobs';

/**
 * The work queue: one durable pull consumer on the streamStarted subjects,
 * shared by every worker, so each job message goes to one worker at a time.
 * A worker keeps its message un-acked (extending it with `working()`) while it
 * transcodes; if it dies or hangs, `ack_wait` expires and JetStream hands the
 * message to another worker.
 */
export async function openJobConsumer(nc: NatsConnection, namespace: string, ackWaitMs: number): Promise<Consumer> {
  const jsm: JetStreamManager = await nc.jetstreamManager();
  const stream = eventsStreamName(namespace);
  const filter_subject = `${namespace}.${subjectPattern(streamContracts.streamStarted.subject)}`;
  const ack_wait = ackWaitMs * 1_000_000;
  try {
    const info = await jsm.consumers.info(stream, JOB_CONSUMER);
    if (info.config.ack_wait !== ack_wait || info.config.filter_subject !== filter_subject) {
      await jsm.consumers.update(stream, JOB_CONSUMER, { ack_wait, filter_subject });
    }
  } catch (error) {
    if (!/not found/i.test(String((error as Error)?.message ?? error))) throw error;
    try {
      await jsm.consumers.add(stream, {
        durable_name: JOB_CONSUMER,
        ack_policy: AckPolicy.Explicit,
        // Jobs of streams that went live before any worker ran are still wanted; stale ones are skipped on claim.
        deliver_policy: DeliverPolicy.All,
        filter_subject,
        ack_wait,
        max_deliver: -1,
        max_ack_pending: -1,
      });
    } catch (addError) {
      // Another worker created it at the same moment.
      if (!/already (in use|exists)/i.test(String(addError))) throw addError;
    }
  }
  return nc.jetstream().consumers.get(stream, JOB_CONSUMER);
}
