/** One way of playing a stream into a <video>; `destroy` releases the connection and the media element. */
export interface Player {
  destroy(): void;
  /** Pins one quality level (an index of `QualityInfo.levels`), or -1 for automatic choice. Only players with levels have it. */
  setLevel?(index: number): void;
}

export type PlayerKind = 'flv' | 'hls' | 'whep';

/** One rung of an adaptive stream as the player sees it. */
export interface QualityLevel {
  /** The rendition's name (its playlist folder on the edge: `source`, `720p`, …). */
  name: string;
  width: number;
  height: number;
  /** Peak bits per second from the master playlist. */
  bitrate: number;
}

export interface QualityInfo {
  levels: QualityLevel[];
  /** Index of the level being played, -1 while none is yet. */
  current: number;
  /** True while the player picks the level itself (ABR). */
  auto: boolean;
}

/** What a player reports back to the page while it plays. */
export interface PlayerCallbacks {
  /** Playback broke; the page tears the player down and retries. */
  onError(message: string): void;
  /** The adaptive levels or the one being played changed. */
  onQuality?(quality: QualityInfo): void;
  /** False once the page has given this player up while it was starting: it must leave the <video> alone. */
  isCurrent?(): boolean;
}

/**
 * What a player returns when the page gave it up while its library loaded: it
 * never touched the <video> (which may already be the next player's), so it
 * has nothing to release.
 */
export const GIVEN_UP_PLAYER: Player = { destroy: () => undefined };

/**
 * The protocol is not served where the stream's URL points (no endpoint, or
 * it refuses outright): retrying on a timer would only flicker, so the page
 * says so and waits for the operator instead.
 */
export class PlaybackUnavailableError extends Error {
  constructor(
    message: string,
    /** What the endpoint did, for the operator (never contains the URL: private ones carry a token). */
    readonly detail: string,
  ) {
    super(message);
    this.name = 'PlaybackUnavailableError';
  }
}
