import type { types } from 'mediasoup';
import { ANSWERED_RTCP_FEEDBACK } from '../media-codecs';
import { mediaPayloadTypes, offeredCodec, rtxPayloadFor, type OfferSection } from './offer-sdp';

/**
 * What one receiving section of an offer can take, as mediasoup RTP
 * capabilities, with the browser's own payload types and extension ids as the
 * preferred ones (payload-numbering.ts makes the consumer's router number
 * codecs alike). Header extensions cannot be renumbered: mediasoup's worker
 * writes forwarded packets' extensions with its fixed ids (mid 1,
 * abs-send-time 4, transport-cc 5 …) and keeps for a consumer only those
 * offered under the same id, and Chromium refuses an answer that reassigns
 * ids ("RTP extension ID reassignment not supported"). So a viewer numbering
 * them otherwise (Chromium: transport-cc 3, mid 4) gets none of them.
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
