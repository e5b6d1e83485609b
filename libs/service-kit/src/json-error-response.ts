import type { ServerResponse } from 'node:http';
import { httpErrorName } from './http-exception.filter';

/** The platform's one JSON error body, `{statusCode, error, message}` (JsonExceptionFilter's shape). */
export function jsonErrorBody(status: number, message: unknown): string {
  return JSON.stringify({ statusCode: status, error: httpErrorName(status), message });
}

/**
 * Answers with the JSON error body on a plain Node response, for handlers that run before Nest routes
 * the request (a middleware, a route below Express). Headers set before, such as CORS, are kept.
 */
export function sendJsonError(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = jsonErrorBody(status, message);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}
