import type { types } from 'mediasoup';
import { ANSWERED_RTCP_FEEDBACK, routerAcceptsCodec } from '../media-codecs';
import { mediaPayloadTypes, offeredCodec, rtxPayloadFor, type OfferSection } from './offer-sdp';

export interface ProducerSection {
  section: OfferSection;
  kind: 'audio' | 'video';
  rtpParameters: types.RtpParameters;
  /** The rids we receive (a=simulcast recv in the answer), lowest layer first; empty without simulcast. */
  rids: string[];
}

/**
 * Builds a producer's RTP parameters from one sending section of an offer:
 * the first offered codec the router takes (so the publisher sends exactly
 * that one), its RTX, the header extensions the router knows (with the
 * publisher's ids), and the encodings from rids (simulcast) or SSRCs.
 * Undefined when the section offers no codec the router routes.
 */
export function producerSection(section: OfferSection, routerCaps: types.RtpCapabilities): ProducerSection | undefined {
  if (section.kind === 'application') return undefined;
  const kind = section.kind;
  const media = section.media;
  let codec: types.RtpCodecParameters | undefined;
  for (const pt of mediaPayloadTypes(section)) {
    const candidate = offeredCodec(section, pt);
    if (candidate && routerAcceptsCodec(candidate, routerCaps)) {
      codec = candidate;
      break;
    }
  }
  if (!codec) return undefined;
  codec.rtcpFeedback = (codec.rtcpFeedback ?? []).filter((fb) => answeredFeedback(fb, routerCaps, kind));
  const codecs: types.RtpCodecParameters[] = [codec];
  const rtxPt = kind === 'video' ? rtxPayloadFor(section, codec.payloadType) : undefined;
  if (rtxPt !== undefined) {
    codecs.push({ mimeType: 'video/rtx', payloadType: rtxPt, clockRate: codec.clockRate, parameters: { apt: codec.payloadType }, rtcpFeedback: [] });
  }
  const headerExtensions: types.RtpHeaderExtensionParameters[] = (media.ext ?? [])
    .filter((ext) => routerCaps.headerExtensions?.some((h) => h.uri === ext.uri && h.kind === kind))
    .map((ext) => ({ uri: ext.uri as types.RtpHeaderExtensionUri, id: ext.value, encrypt: false, parameters: {} }));
  const rids = simulcastRids(section);
  const encodings = withTemporalLayers(rids.length > 0 ? rids.map((rid) => ({ rid })) : ssrcEncodings(section, rtxPt !== undefined), codec);
  const cname = media.ssrcs?.find((s) => s.attribute === 'cname')?.value;
  return {
    section,
    kind,
    rids,
    rtpParameters: {
      mid: section.mid,
      codecs,
      headerExtensions,
      encodings,
      rtcp: { cname, reducedSize: true },
    },
  };
}

/**
 * Simulcast encodings declared with three temporal layers. Why: browsers send
 * each VP8 (and H.264) simulcast layer in three temporal layers by default and
 * the SDP does not say so; mediasoup, told nothing, assumes one and forwards
 * only temporal layer 0, a quarter of the frame rate, to every consumer (the
 * WHEP viewers and the bridge into the ingest alike). Three is an upper bound:
 * a stream without temporal layers carries no temporal index and is forwarded
 * whole, and a consumer with a bandwidth estimate still drops to a lower
 * temporal layer when it must.
 */
function withTemporalLayers(encodings: types.RtpEncodingParameters[], codec: types.RtpCodecParameters): types.RtpEncodingParameters[] {
  const mime = codec.mimeType.toLowerCase();
  if (encodings.length < 2 || (mime !== 'video/vp8' && mime !== 'video/h264')) return encodings;
  return encodings.map((encoding) => ({ ...encoding, scalabilityMode: encoding.scalabilityMode ?? 'L1T3' }));
}

function answeredFeedback(fb: types.RtcpFeedback, routerCaps: types.RtpCapabilities, kind: string): boolean {
  const key = fb.parameter ? `${fb.type} ${fb.parameter}` : fb.type;
  if (!ANSWERED_RTCP_FEEDBACK.has(key)) return false;
  return (routerCaps.codecs ?? []).some(
    (c) => c.kind === kind && (c.rtcpFeedback ?? []).some((r) => r.type === fb.type && (r.parameter ?? '') === (fb.parameter ?? '')),
  );
}

/** rids the remote sends, in a=simulcast order (the publisher lists lowest to highest, as WHIP clients do). */
export function simulcastRids(section: OfferSection): string[] {
  const simulcast = section.media.simulcast;
  const sendRids = new Set((section.media.rids ?? []).filter((r) => r.direction === 'send').map((r) => String(r.id)));
  if (!simulcast || sendRids.size === 0) return [];
  const list = simulcast.dir1 === 'send' ? simulcast.list1 : simulcast.dir2 === 'send' ? simulcast.list2 : undefined;
  if (!list) return [];
  return list
    .split(';')
    .map((alternatives) => (alternatives.split(',')[0] ?? '').replace(/^~/, ''))
    .filter((rid) => sendRids.has(rid));
}

/** Encodings from a=ssrc-group:SIM (legacy simulcast), FID pairs (media + RTX) or the first a=ssrc. */
function ssrcEncodings(section: OfferSection, withRtx: boolean): types.RtpEncodingParameters[] {
  const groups = section.media.ssrcGroups ?? [];
  const fid = new Map<number, number>();
  for (const g of groups.filter((g) => g.semantics === 'FID')) {
    const [media, rtx] = g.ssrcs.split(' ').map(Number);
    if (media && rtx) fid.set(media, rtx);
  }
  const withRepair = (ssrc: number): types.RtpEncodingParameters => {
    const rtx = fid.get(ssrc);
    return withRtx && rtx ? { ssrc, rtx: { ssrc: rtx } } : { ssrc };
  };
  const sim = groups.find((g) => g.semantics === 'SIM');
  if (sim) return sim.ssrcs.split(' ').map(Number).filter(Boolean).map(withRepair);
  const first = section.media.ssrcs?.[0]?.id;
  if (first !== undefined) return [withRepair(Number(first))];
  // No SSRC announced: mediasoup binds the first stream carrying this section's mid.
  return [{}];
}
