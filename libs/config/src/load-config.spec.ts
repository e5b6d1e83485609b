import { z } from 'zod';
import { ConfigError } from './config-error';
import { commonConfigSchema } from './common-config';
import { loadConfig, describeConfig } from './load-config';
import { port, flag, list } from './env-types';

describe('loadConfig', () => {
  const schema = z.object({ ...commonConfigSchema.shape, APP_PORT: port(8080), APP_TLS: flag(false), APP_HOSTS: list() });

  it('fills defaults when variables are unset or empty', () => {
    const config = loadConfig(schema, { APP_PORT: '' });
    expect(config.APP_PORT).toBe(8080);
    expect(config.MEDIAPLANE_NATS_URL).toBe('nats://127.0.0.1:4222');
    expect(config.APP_TLS).toBe(false);
    expect(config.APP_HOSTS).toEqual([]);
  });

  it('coerces numbers, flags and lists', () => {
    const config = loadConfig(schema, { APP_PORT: '9000', APP_TLS: 'yes', APP_HOSTS: 'a, b,,c' });
    expect(config).toMatchObject({ APP_PORT: 9000, APP_TLS: true, APP_HOSTS: ['a', 'b', 'c'] });
  });

  describe('when a variable is invalid', () => {
    it('throws a ConfigError naming each bad variable and why', () => {
      let error: unknown;
      try {
        loadConfig(schema, { APP_PORT: '70000', MEDIAPLANE_NAMESPACE: 'Bad Space' });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as Error).message;
      expect(message).toContain('APP_PORT');
      expect(message).toContain('MEDIAPLANE_NAMESPACE');
      expect((error as ConfigError).problems.map((p) => p.variable).sort()).toEqual(['APP_PORT', 'MEDIAPLANE_NAMESPACE']);
    });
  });

  it('describes every variable with its default for the README table', () => {
    const rows = describeConfig(commonConfigSchema);
    expect(rows.find((r) => r.variable === 'MEDIAPLANE_NATS_URL')).toMatchObject({ default: 'nats://127.0.0.1:4222' });
    expect(rows.every((r) => r.description.length > 0)).toBe(true);
  });
});
