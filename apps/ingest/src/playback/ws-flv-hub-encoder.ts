import { encodeFlvHeader, flvTagLength, writeFlvTag } from '@mediaplane/codecs';
import type { HubEncoder, HubFrame, HubTracks } from '@mediaplane/media-io';
import { wsBinaryFrame, wsBinaryFrameHeaderLength, writeWsBinaryFrameHeader } from './ws-frame';

/**
 * WebSocket-FLV output: the FLV stream with the file header and each tag in a
 * binary message of its own. Server frames are unmasked, so the framed bytes
 * are the same for every viewer and the hub shares them as it shares
 * HTTP-FLV's tags: a live batch is laid out in one allocation (encodeInto)
 * and the sink writes it as it is. A message per tag rather than per batch,
 * so that a batch needs no framing (and no copy) of its own; WS-FLV players
 * (flv.js, mpegts.js) read the messages as one byte stream wherever they split.
 */
export class WsFlvHubEncoder implements HubEncoder {
  readonly key = 'wsflv';

  preamble(tracks: HubTracks): Buffer {
    return wsBinaryFrame(encodeFlvHeader(tracks));
  }

  encode(frame: HubFrame): Buffer {
    const bytes = Buffer.allocUnsafe(this.encodedLength(frame));
    this.encodeInto(frame, bytes, 0);
    return bytes;
  }

  encodedLength(frame: HubFrame): number {
    const tag = flvTagLength(frame.payload.length);
    return wsBinaryFrameHeaderLength(tag) + tag;
  }

  encodeInto(frame: HubFrame, target: Buffer, offset: number): number {
    const payloadAt = writeWsBinaryFrameHeader(target, offset, flvTagLength(frame.payload.length));
    return writeFlvTag(target, payloadAt, frame.tagType, frame.timestamp, frame.payload);
  }
}

/** One shared instance: the encoder is stateless. */
export const wsFlvHubEncoder = new WsFlvHubEncoder();
