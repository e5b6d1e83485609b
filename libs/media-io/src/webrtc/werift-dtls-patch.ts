import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * werift 0.25's DTLS client throws (and fails the whole connection) when a
 * second HelloVerifyRequest arrives: that happens whenever its ClientHello is
 * retransmitted (after 500 ms) before the server's first answer was handled,
 * i.e. on any loaded machine. The server's cookie is the same in both answers
 * (werift: one cookie per session; RFC 6347 allows a stateless one that does
 * not change either), so the duplicate can safely be ignored: the client has
 * already sent the ClientHello with that cookie and keeps retransmitting it.
 *
 * Applied once per process, by the SFU's werift engine, its test peer and the capture agent's WHIP client; a werift
 * without that file or method is left alone (the patch is then not needed or
 * must be revisited with the upgrade).
 */

type Flight3Prototype = { exec: (this: { dtls: { flight: number } }, ...args: unknown[]) => Promise<void>; __mediaplanePatched?: boolean };

export function patchWeriftDuplicateHelloVerifyRequest(): boolean {
  const file = join(dirname(require.resolve('werift')), '..', '..', 'dtls', 'src', 'flight', 'client', 'flight3.js');
  if (!existsSync(file)) return false;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- werift's exports map hides its DTLS internals
  const module = require(file) as { Flight3?: { prototype: Flight3Prototype } };
  const prototype = module.Flight3?.prototype;
  if (!prototype || typeof prototype.exec !== 'function') return false;
  if (prototype.__mediaplanePatched) return true;
  const original = prototype.exec;
  prototype.exec = function (this: { dtls: { flight: number } }, ...args: unknown[]) {
    if (this.dtls.flight === 3) return Promise.resolve();
    return original.apply(this, args);
  };
  prototype.__mediaplanePatched = true;
  return true;
}
