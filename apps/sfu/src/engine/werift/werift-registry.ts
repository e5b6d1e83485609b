/**
 * What the werift engine holds open, counted for RtcEngine.stats() and for the
 * leak checks of the contract suite: every object adds itself when created
 * and removes itself when closed.
 */
export class WeriftRegistry {
  readonly routers = new Set<{ close(): void }>();
  readonly peers = new Set<object>();
  readonly producers = new Set<object>();
  readonly consumers = new Set<object>();
  readonly dataChannels = new Set<object>();
}
