import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { CommonConfig } from '@mediaplane/config';
import { APP_CONFIG, REDIS } from '@mediaplane/service-kit';
import { controlPlaneKeys } from '@mediaplane/sessions';
import { DeliveryAttemptSchema, type DeliveryAttempt } from './webhook.schemas';

const KEEP = 50;

export interface DeliveryStats {
  delivered: number;
  failedAttempts: number;
  gaveUp: number;
  lastAttempt: DeliveryAttempt | null;
}

/**
 * The latest delivery attempts and failures per webhook, in Redis capped
 * lists shared by every control-plane instance: what operators look at
 * when a receiver misbehaves. Observability, not the source of truth: the
 * work itself lives in JetStream.
 */
@Injectable()
export class DeliveryLog {
  private readonly namespace: string;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) config: CommonConfig,
  ) {
    this.namespace = config.MEDIAPLANE_NAMESPACE;
  }

  async record(webhookId: string, attempt: DeliveryAttempt): Promise<void> {
    const json = JSON.stringify(attempt);
    const tx = this.redis
      .multi()
      .lpush(this.key(webhookId, 'attempts'), json)
      .ltrim(this.key(webhookId, 'attempts'), 0, KEEP - 1);
    if (attempt.outcome !== 'delivered') tx.lpush(this.key(webhookId, 'failures'), json).ltrim(this.key(webhookId, 'failures'), 0, KEEP - 1);
    const field = attempt.outcome === 'delivered' ? 'delivered' : attempt.outcome === 'gave_up' ? 'gaveUp' : 'failedAttempts';
    tx.hincrby(this.key(webhookId, 'stats'), field, 1);
    if (attempt.outcome === 'gave_up') tx.hincrby(this.key(webhookId, 'stats'), 'failedAttempts', 1);
    await tx.exec();
  }

  async recent(webhookId: string): Promise<{ deliveries: DeliveryAttempt[]; failures: DeliveryAttempt[] }> {
    const [deliveries, failures] = await Promise.all([
      this.redis.lrange(this.key(webhookId, 'attempts'), 0, -1),
      this.redis.lrange(this.key(webhookId, 'failures'), 0, -1),
    ]);
    return { deliveries: parseAll(deliveries), failures: parseAll(failures) };
  }

  async stats(webhookId: string): Promise<DeliveryStats> {
    const [counts, last] = await Promise.all([this.redis.hgetall(this.key(webhookId, 'stats')), this.redis.lindex(this.key(webhookId, 'attempts'), 0)]);
    return {
      delivered: Number(counts['delivered'] ?? 0),
      failedAttempts: Number(counts['failedAttempts'] ?? 0),
      gaveUp: Number(counts['gaveUp'] ?? 0),
      lastAttempt: last ? (parseAll([last])[0] ?? null) : null,
    };
  }

  async forget(webhookId: string): Promise<void> {
    await this.redis.del(this.key(webhookId, 'attempts'), this.key(webhookId, 'failures'), this.key(webhookId, 'stats'));
  }

  private key(webhookId: string, what: 'attempts' | 'failures' | 'stats'): string {
    return controlPlaneKeys(this.namespace).webhookDeliveries(webhookId, what);
  }
}

function parseAll(values: string[]): DeliveryAttempt[] {
  return values.flatMap((v) => {
    const parsed = DeliveryAttemptSchema.safeParse(JSON.parse(v));
    return parsed.success ? [parsed.data] : [];
  });
}
