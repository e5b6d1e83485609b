import { HttpException, HttpStatus, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Logger } from '@mediaplane/observability';
import { APP_CONFIG, LOGGER } from '@mediaplane/service-kit';
import type { ControlPlaneConfig } from '../control-plane.config';
import { AuthFailureLimiter } from './auth-failure-limiter';

/** Below this length the admin token is accepted (the config demands 16) but a warning says to lengthen it. */
export const RECOMMENDED_ADMIN_TOKEN_LENGTH = 24;

/** The limiter of wrong admin tokens, apart from the publish-key one. */
export const ADMIN_AUTH_LIMITER = Symbol('ADMIN_AUTH_LIMITER');

/**
 * Checks the admin token (`Authorization: Bearer <MEDIAPLANE_ADMIN_TOKEN>`,
 * compared in constant time) for the route guard, the write middleware and
 * the snapshot route: one instance, so one warning and one count. Wrong
 * tokens are counted per remote address; past the limit every attempt from
 * that address, right token or not, is answered 429 with Retry-After until
 * the window runs out, so the token cannot be guessed at network speed.
 */
@Injectable()
export class AdminAuthenticator {
  private readonly expected: Buffer;

  constructor(
    @Inject(APP_CONFIG) config: ControlPlaneConfig,
    @Inject(ADMIN_AUTH_LIMITER) private readonly limiter: AuthFailureLimiter,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.expected = digest(config.MEDIAPLANE_ADMIN_TOKEN);
    if (config.MEDIAPLANE_ADMIN_TOKEN.length < RECOMMENDED_ADMIN_TOKEN_LENGTH) {
      logger.warn(
        { length: config.MEDIAPLANE_ADMIN_TOKEN.length, recommended: RECOMMENDED_ADMIN_TOKEN_LENGTH },
        'MEDIAPLANE_ADMIN_TOKEN is short; use a random token of at least 24 characters (e.g. `openssl rand -base64 32`)',
      );
    }
  }

  /**
   * 'ok' for the right token, 'missing' when the request carries none (for
   * routes with more than one way in, e.g. snapshots); throws 401 for a wrong
   * token and 429 (with Retry-After on `res`) for a limited address.
   */
  async authenticate(req: Request, res: Response): Promise<'ok' | 'missing'> {
    const address = req.socket.remoteAddress ?? '';
    const waitMs = await this.limiter.retryAfterMs(address);
    if (waitMs > 0) {
      res.setHeader('Retry-After', String(Math.ceil(waitMs / 1000)));
      throw new HttpException('too many wrong admin tokens from this address; try again later', HttpStatus.TOO_MANY_REQUESTS);
    }
    const verdict = this.check(req.headers.authorization);
    if (verdict === 'wrong') {
      await this.limiter.recordFailure(address);
      throw new UnauthorizedException('invalid token');
    }
    return verdict;
  }

  /** The token comparison alone (no counting). */
  check(header: string | undefined): 'ok' | 'missing' | 'wrong' {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (!match) return 'missing';
    // Hashing first gives equal-length buffers, so timingSafeEqual leaks neither content nor length.
    return timingSafeEqual(digest(match[1] as string), this.expected) ? 'ok' : 'wrong';
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
