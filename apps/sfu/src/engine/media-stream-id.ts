import type { RtcPeerOptions } from './rtc-engine';

/**
 * The media stream (`a=msid` stream id) a track sent to a peer belongs to.
 * Browsers keep the audio and video of one stream in lip sync, so by default
 * every track of the peer shares the peer's id; with `lipSync: false` each
 * track is a stream of its own and nothing holds the picture for the sound.
 */
export function mediaStreamId(peerId: string, trackId: string, options: Pick<RtcPeerOptions, 'lipSync'>): string {
  return options.lipSync === false ? trackId : peerId;
}
