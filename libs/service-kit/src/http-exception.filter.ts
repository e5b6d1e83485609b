import { ArgumentsHost, Catch, HttpException, HttpStatus, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import type { Logger } from '@mediaplane/observability';

/** Every error is JSON `{statusCode, error, message}`; unexpected ones are 500s that log, never leak internals. */
@Catch()
export class JsonExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) {
      res.end();
      return;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const message = typeof body === 'string' ? body : ((body as { message?: unknown }).message ?? exception.message);
      res.status(status).json({ statusCode: status, error: httpErrorName(status), message });
      return;
    }
    const clientError = asClientError(exception);
    if (clientError) {
      // The client sent something we cannot take (body too large, unsupported encoding, malformed body): its error, not ours.
      this.logger.debug({ status: clientError.status, type: clientError.type }, 'client error before the handler');
      res.status(clientError.status).json({ statusCode: clientError.status, error: httpErrorName(clientError.status), message: clientError.message });
      return;
    }
    this.logger.error({ err: exception }, 'unhandled error in HTTP handler');
    res.status(HttpStatus.INTERNAL_SERVER_ERROR).json({ statusCode: 500, error: 'Internal Server Error', message: 'internal error' });
  }
}

/** body-parser and http-errors mark errors safe to show with `expose` and a 4xx `status`. */
function asClientError(exception: unknown): { status: number; type: string; message: string } | undefined {
  if (typeof exception !== 'object' || exception === null) return undefined;
  const { status, expose, type, message } = exception as { status?: unknown; expose?: unknown; type?: unknown; message?: unknown };
  if (expose !== true || typeof status !== 'number' || status < 400 || status > 499) return undefined;
  return { status, type: typeof type === 'string' ? type : 'client_error', message: typeof message === 'string' ? message.slice(0, 200) : 'bad request' };
}

/** The reason phrase of an HTTP status, as error bodies name it. */
export function httpErrorName(status: number): string {
  const names: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    405: 'Method Not Allowed',
    409: 'Conflict',
    412: 'Precondition Failed',
    413: 'Payload Too Large',
    415: 'Unsupported Media Type',
    422: 'Unprocessable Entity',
    429: 'Too Many Requests',
    500: 'Internal Server Error',
    503: 'Service Unavailable',
  };
  return names[status] ?? (status >= 500 ? 'Server Error' : 'Error');
}
