import { RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig } from 'nats';
import { allContracts, subjectPattern, type EventContract } from '@mediaplane/contracts';

/** JetStream stream names allow no dots; the namespace keeps test runs and tenants apart. */
export function eventsStreamName(namespace: string): string {
  return `${namespace.replace(/[^A-Za-z0-9]/g, '_').toUpperCase()}_EVENTS`;
}

export function durableContracts(): EventContract[] {
  return allContracts.filter((c): c is EventContract => c.kind === 'event' && c.durable);
}

/**
 * Creates or updates the stream that keeps must-deliver events. Idempotent:
 * every app calls it at start, so whichever starts first sets it up.
 */
export async function ensureEventsStream(jsm: JetStreamManager, namespace: string, maxAgeMs = 7 * 24 * 3600 * 1000): Promise<string> {
  const name = eventsStreamName(namespace);
  const subjects = durableContracts().map((c) => `${namespace}.${subjectPattern(c.subject)}`);
  const config: Partial<StreamConfig> = {
    name,
    subjects,
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: maxAgeMs * 1_000_000,
    duplicate_window: 2 * 60 * 1_000_000_000,
  };
  try {
    const info = await jsm.streams.info(name);
    const same = [...info.config.subjects].sort().join(',') === [...subjects].sort().join(',');
    if (!same) await jsm.streams.update(name, { ...info.config, subjects });
  } catch (error) {
    if (!isNotFound(error)) throw error;
    try {
      await jsm.streams.add(config);
    } catch (addError) {
      // Another instance created it between our info and add: that is the idempotent outcome.
      if (!/already in use|exists/i.test(String(addError))) throw addError;
    }
  }
  return name;
}

function isNotFound(error: unknown): boolean {
  return /not found/i.test(String((error as { message?: string })?.message ?? error));
}
