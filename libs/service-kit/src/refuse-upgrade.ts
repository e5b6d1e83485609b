import type { Duplex } from 'node:stream';
import { httpErrorName } from './http-exception.filter';
import { jsonErrorBody } from './json-error-response';

/**
 * Refuses a WebSocket upgrade before it happens, with the same JSON error body
 * as every HTTP error of the platform (`{statusCode, error, message}`), and
 * closes the socket. CORS is open so browser players can read the refusal.
 */
export function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  const reason = httpErrorName(status);
  const body = jsonErrorBody(status, message);
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nAccess-Control-Allow-Origin: *\r\nConnection: close\r\n\r\n${body}`,
  );
}
