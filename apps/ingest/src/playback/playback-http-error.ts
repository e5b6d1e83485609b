import { BadRequestException, ForbiddenException, HttpException, HttpStatus, NotFoundException, UnauthorizedException } from '@nestjs/common';
import type { ClusterPlaybackAccess } from './playback-access.service';

/** The HTTP error of a refused play (JSON {statusCode, error, message}), for HTTP-FLV and the internal TS pull alike. */
export function toHttpError(access: Extract<ClusterPlaybackAccess, { ok: false }>): HttpException {
  switch (access.status) {
    case 400:
      return new BadRequestException(access.message);
    case 401:
      return new UnauthorizedException(access.message);
    case 403:
      return new ForbiddenException(access.message);
    case 503:
      return new HttpException(access.message, HttpStatus.SERVICE_UNAVAILABLE);
    default:
      return new NotFoundException(access.message);
  }
}
