/** One way of playing a stream into a <video>; `destroy` releases the connection and the media element. */
export interface Player {
  destroy(): void;
}

export type PlayerKind = 'flv' | 'hls' | 'whep';
