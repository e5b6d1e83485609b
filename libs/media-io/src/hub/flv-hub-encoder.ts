import { encodeFlvHeader, encodeFlvTag, flvTagLength, writeFlvTag } from '@mediaplane/codecs';
import type { HubEncoder, HubTracks } from './hub-encoder';
import type { HubFrame } from './hub-frame';

/** FLV output (HTTP-FLV, WebSocket-FLV, internal pulls): file header, then one tag per frame. */
export class FlvHubEncoder implements HubEncoder {
  readonly key = 'flv';

  preamble(tracks: HubTracks): Buffer {
    return encodeFlvHeader(tracks);
  }

  encode(frame: HubFrame): Buffer {
    return encodeFlvTag(frame.tagType, frame.timestamp, frame.payload);
  }

  encodedLength(frame: HubFrame): number {
    return flvTagLength(frame.payload.length);
  }

  encodeInto(frame: HubFrame, target: Buffer, offset: number): number {
    return writeFlvTag(target, offset, frame.tagType, frame.timestamp, frame.payload);
  }
}

/** One shared instance: the encoder is stateless. */
export const flvHubEncoder = new FlvHubEncoder();
