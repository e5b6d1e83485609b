import type { MsgHdrs } from 'nats';
import type { HeaderCarrier } from '@mediaplane/observability';

/** Lets OpenTelemetry read and write W3C trace context in NATS message headers. */
export function natsHeaderCarrier(headers: MsgHdrs): HeaderCarrier {
  return {
    get: (key) => (headers.has(key) ? headers.get(key) : undefined),
    set: (key, value) => headers.set(key, value),
    keys: () => headers.keys(),
  };
}
