import { FlvToMpegTsMuxer } from '@mediaplane/codecs';
import type { HubEncoder } from './hub-encoder';
import type { HubFrame } from './hub-frame';
import type { StreamHub } from './stream-hub';

/**
 * MPEG-TS output (SRT play): each frame muxed once per stream and the bytes
 * shared by every SRT viewer of it, like the FLV and RTMP encoders. Unlike
 * theirs, TS output has state (continuity counters, the decoder
 * configurations, PAT/PMT timing), so there is one encoder per hub
 * (mpegTsHubEncoderFor): the hub encodes frames at most once and in its own
 * order, which is the order one muxer needs. PAT/PMT and the parameter sets
 * go before every keyframe, so a viewer that joins at the GOP cache (or is
 * skipped forward to a keyframe) can start decoding at once.
 *
 * The bytes of a frame are whole 188-byte packets; an SRT sink cuts them
 * into datagrams of up to seven packets.
 */
export class MpegTsHubEncoder implements HubEncoder {
  readonly key = 'mpegts';
  readonly stateful = true;
  private readonly muxer = new FlvToMpegTsMuxer();

  preamble(): undefined {
    // Nothing before the first keyframe: PAT/PMT travel with it.
    return undefined;
  }

  encode(frame: HubFrame): Buffer {
    const datagrams = this.muxer.push(frame);
    return datagrams.length === 1 ? (datagrams[0] as Buffer) : Buffer.concat(datagrams);
  }

  /** Frames the muxer could not carry (before their sequence header, malformed, other codecs). */
  get droppedFrames(): number {
    return this.muxer.stats.droppedFrames;
  }
}

const encoders = new WeakMap<StreamHub, MpegTsHubEncoder>();

/** The one MPEG-TS encoder of a hub (created with its first SRT viewer, gone with the hub). */
export function mpegTsHubEncoderFor(hub: StreamHub): MpegTsHubEncoder {
  let encoder = encoders.get(hub);
  if (!encoder) {
    encoder = new MpegTsHubEncoder();
    encoders.set(hub, encoder);
  }
  return encoder;
}
