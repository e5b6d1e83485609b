import type { types } from 'mediasoup';
import { ROUTER_MEDIA_CODECS, routerCodecIndex } from './media-codecs';
import { mediaPayloadTypes, offeredCodec, type OfferSection } from './sdp/offer-sdp';

/**
 * mediasoup sends a consumer's packets with its router's payload types (the
 * worker drops any other), while a WHEP player's offer fixes the payload types
 * it will accept. So a viewer is served from a router whose codecs carry the
 * viewer's numbers: the home router when they agree, else a router created
 * with those preferredPayloadTypes and fed by pipeToRouter. Browsers of one
 * kind number alike, so a stream needs few of them. (RTX payload types are
 * mediasoup's own choice and are answered as such.)
 */
export interface ViewerCodec {
  /** Index into ROUTER_MEDIA_CODECS. */
  index: number;
  payloadType: number;
}

/** The router codec of the producer and the payload type this receiving section gave it; undefined when not offered. */
export function viewerCodec(section: OfferSection, producerCodec: types.RtpCodecParameters): ViewerCodec | undefined {
  const index = routerCodecIndex(producerCodec);
  if (index < 0) return undefined;
  for (const pt of mediaPayloadTypes(section)) {
    const codec = offeredCodec(section, pt);
    if (codec && routerCodecIndex(codec) === index) return { index, payloadType: pt };
  }
  return undefined;
}

/** Whether a router already numbers these codecs as the viewer does. */
export function routerNumbersAlike(caps: types.RtpCapabilities, codecs: readonly ViewerCodec[]): boolean {
  return codecs.every((c) => {
    const match = (caps.codecs ?? []).find((rc) => routerCodecIndex({ ...rc, payloadType: rc.preferredPayloadType ?? 0 }) === c.index);
    return match?.preferredPayloadType === c.payloadType;
  });
}

export function numberingKey(codecs: readonly ViewerCodec[]): string {
  return [...new Set(codecs.map((c) => `${c.index}:${c.payloadType}`))].sort().join(',');
}

/**
 * Router codecs numbered as the viewer wants: audio first, then video (each
 * video codec's RTX takes the next free dynamic type, so fixed types must be
 * claimed before). Throws (TypeError from mediasoup) when the numbers collide.
 */
export function numberedMediaCodecs(codecs: readonly ViewerCodec[]): types.RouterRtpCodecCapability[] {
  const unique = [...new Map(codecs.map((c) => [c.index, c])).values()];
  return unique
    .map((c) => ({ ...ROUTER_MEDIA_CODECS[c.index]!, preferredPayloadType: c.payloadType }))
    .sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'audio' ? -1 : 1));
}
