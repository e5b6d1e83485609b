import type { Provider } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { LiveStreamStore } from '@mediaplane/sessions';
import { APP_CONFIG, REDIS } from '@mediaplane/service-kit';
import type { TranscodeConfig } from '../transcode.config';
import { JobLeaseStore } from './job-lease-store';
import { SequenceStore } from './sequence-store';

/** The Redis stores a job needs, one instance each per app, in the platform's namespace. */
export function namespacedStore<T>(store: new (redis: Redis, namespace: string) => T): Provider {
  return {
    provide: store,
    useFactory: (redis: Redis, config: TranscodeConfig) => new store(redis, config.MEDIAPLANE_NAMESPACE),
    inject: [REDIS, APP_CONFIG],
  };
}

export const JOB_STORE_PROVIDERS: Provider[] = [namespacedStore(JobLeaseStore), namespacedStore(SequenceStore), namespacedStore(LiveStreamStore)];
