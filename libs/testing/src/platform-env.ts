import { randomBytes } from 'node:crypto';
import { uniqueNamespace } from './namespace';

export interface PlatformEnv {
  namespace: string;
  adminToken: string;
  playbackSecret: string;
  /** Variables every app of one isolated test platform shares. */
  env: Record<string, string>;
}

/** Fresh namespace and secrets for one test's platform on the shared NATS and Redis. */
export function platformEnv(overrides: Record<string, string> = {}): PlatformEnv {
  const namespace = uniqueNamespace();
  const adminToken = `admin-${randomBytes(16).toString('hex')}`;
  const playbackSecret = `pbs-${randomBytes(16).toString('hex')}`;
  return {
    namespace,
    adminToken,
    playbackSecret,
    env: {
      MEDIAPLANE_NAMESPACE: namespace,
      MEDIAPLANE_ADMIN_TOKEN: adminToken,
      MEDIAPLANE_PLAYBACK_SECRET: playbackSecret,
      MEDIAPLANE_HEARTBEAT_MS: '1000',
      MEDIAPLANE_SHUTDOWN_GRACE_MS: '5000',
      MEDIAPLANE_ADVERTISE_HOST: '127.0.0.1',
      ...overrides,
    },
  };
}
