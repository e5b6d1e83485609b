import { HttpException, UnauthorizedException } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Logger } from '@mediaplane/observability';
import type { ControlPlaneConfig } from '../control-plane.config';
import { AdminAuthenticator } from './admin-authenticator';
import type { AuthFailureLimiter } from './auth-failure-limiter';

/** The Redis limiter's contract, counted in memory: limited at `limit` failures, for `windowMs`. */
function memoryLimiter(limit: number, windowMs: number) {
  const failures = new Map<string, number>();
  return {
    failures,
    limiter: {
      retryAfterMs: async (address: string) => ((failures.get(address) ?? 0) >= limit ? windowMs : 0),
      recordFailure: async (address: string) => {
        failures.set(address, (failures.get(address) ?? 0) + 1);
        return failures.get(address) ?? 0;
      },
    } as unknown as AuthFailureLimiter,
  };
}

const TOKEN = 'right-token-of-32-characters-xyz';

function setup(token = TOKEN) {
  const warn = jest.fn();
  const { limiter, failures } = memoryLimiter(3, 42_500);
  const authenticator = new AdminAuthenticator({ MEDIAPLANE_ADMIN_TOKEN: token } as ControlPlaneConfig, limiter, { warn } as unknown as Logger);
  const call = async (authorization: string | undefined, address = '192.0.2.1') => {
    const headers: Record<string, string> = {};
    const res = { setHeader: (name: string, value: string) => (headers[name.toLowerCase()] = value) } as unknown as Response;
    const req = { headers: { authorization }, socket: { remoteAddress: address } } as unknown as Request;
    try {
      return { verdict: await authenticator.authenticate(req, res), headers };
    } catch (error) {
      return { status: (error as HttpException).getStatus(), error, headers };
    }
  };
  return { authenticator, warn, failures, call };
}

describe('AdminAuthenticator', () => {
  it('accepts the right token and reports a missing one without counting it', async () => {
    const { call, failures } = setup();
    await expect(call(`Bearer ${TOKEN}`)).resolves.toMatchObject({ verdict: 'ok' });
    await expect(call(undefined)).resolves.toMatchObject({ verdict: 'missing' });
    await expect(call('Basic YWRtaW46YWRtaW4=')).resolves.toMatchObject({ verdict: 'missing' });
    expect(failures.size).toBe(0);
  });

  it('answers 401 to wrong tokens, then 429 with Retry-After in whole seconds, even to the right token', async () => {
    const { call } = setup();
    for (let i = 0; i < 3; i++) {
      const wrong = await call(`Bearer wrong-${i}`);
      expect(wrong.status).toBe(401);
      expect(wrong.error).toBeInstanceOf(UnauthorizedException);
    }
    for (const header of ['Bearer wrong-again', `Bearer ${TOKEN}`, undefined]) {
      const limited = await call(header);
      expect(limited.status).toBe(429);
      expect(limited.headers['retry-after']).toBe('43');
    }
    // Another address is not affected.
    await expect(call(`Bearer ${TOKEN}`, '198.51.100.9')).resolves.toMatchObject({ verdict: 'ok' });
  });

  it('warns at start when the admin token is shorter than 24 characters, never printing it', () => {
    const short = setup('sixteen-chars-ok');
    expect(short.warn).toHaveBeenCalledTimes(1);
    expect(JSON.stringify(short.warn.mock.calls)).not.toContain('sixteen-chars-ok');
    expect(setup().warn).not.toHaveBeenCalled();
  });
});
