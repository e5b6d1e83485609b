import type { types } from 'mediasoup';
import { ANSWERED_RTCP_FEEDBACK } from '../media-codecs';
import { mediaPayloadTypes, offeredCodec, rtxPayloadFor, type OfferSection } from './offer-sdp';

/**
 * What one receiving section of an offer can take, as mediasoup RTP
 * capabilities: the browser's own payload types and extension ids become the
 * preferred ones, so the consumer's RTP parameters (and our answer) use the
 * numbers the browser chose.
 */
export function consumerCapabilities(section: OfferSection): types.RtpCapabilities {
  if (section.kind === 'application') return { codecs: [], headerExtensions: [] };
  const kind = section.kind;
  const codecs: types.RtpCodecCapability[] = [];
  for (const pt of mediaPayloadTypes(section)) {
    const codec = offeredCodec(section, pt);
    if (!codec) continue;
    codecs.push({
      kind,
      mimeType: codec.mimeType as types.RtpCodecCapability['mimeType'],
      preferredPayloadType: pt,
      clockRate: codec.clockRate,
      channels: codec.channels,
      parameters: codec.parameters,
      rtcpFeedback: (codec.rtcpFeedback ?? []).filter((fb) => ANSWERED_RTCP_FEEDBACK.has(fb.parameter ? `${fb.type} ${fb.parameter}` : fb.type)),
    });
    const rtxPt = kind === 'video' ? rtxPayloadFor(section, pt) : undefined;
    if (rtxPt !== undefined) {
      codecs.push({ kind, mimeType: 'video/rtx', preferredPayloadType: rtxPt, clockRate: codec.clockRate, parameters: { apt: pt }, rtcpFeedback: [] });
    }
  }
  const headerExtensions: types.RtpHeaderExtension[] = (section.media.ext ?? []).map((ext) => ({
    kind,
    uri: ext.uri as types.RtpHeaderExtensionUri,
    preferredId: ext.value,
    direction: 'sendrecv',
  }));
  return { codecs, headerExtensions };
}
