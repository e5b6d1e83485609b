import * as sdpTransform from 'sdp-transform';
import type { types } from 'mediasoup';
import { RtcNegotiationError } from '../../rtc-engine';

/** Limits on what a remote offer may carry: it is network input. */
export const MAX_OFFER_BYTES = 64 * 1024;
export const MAX_OFFER_SECTIONS = 64;

export type OfferMedia = sdpTransform.MediaDescription;
export type SectionKind = 'audio' | 'video' | 'application';

export interface OfferSection {
  index: number;
  kind: SectionKind;
  /** The section's mid (browsers always set one; we make one up from the index otherwise). */
  mid: string;
  media: OfferMedia;
  /** The remote side sends media in this section (sendonly/sendrecv). */
  remoteSends: boolean;
  /** The remote side receives media in this section (recvonly/sendrecv). */
  remoteReceives: boolean;
}

export interface ParsedOffer {
  session: sdpTransform.SessionDescription;
  sections: OfferSection[];
  /** The remote's DTLS parameters for transport.connect() (role = the remote's role). */
  remoteDtls: types.DtlsParameters;
  /** What our answer says in a=setup (the counterpart of the remote's role). */
  answerSetup: 'active' | 'passive';
}

/** Parses and checks an offer; throws RtcNegotiationError with what is wrong. */
export function parseOffer(offerSdp: string): ParsedOffer {
  if (typeof offerSdp !== 'string' || offerSdp.length === 0) throw new RtcNegotiationError('the offer is empty');
  if (Buffer.byteLength(offerSdp) > MAX_OFFER_BYTES) {
    throw new RtcNegotiationError(`the offer is larger than ${MAX_OFFER_BYTES} bytes`);
  }
  if (!offerSdp.startsWith('v=0')) throw new RtcNegotiationError('the offer is not SDP (it must start with v=0)');
  const session = sdpTransform.parse(offerSdp);
  const media = session.media ?? [];
  if (media.length === 0) throw new RtcNegotiationError('the offer has no media sections');
  if (media.length > MAX_OFFER_SECTIONS) {
    throw new RtcNegotiationError(`the offer has more than ${MAX_OFFER_SECTIONS} media sections`);
  }
  const sections = media.map((m, index): OfferSection => {
    const direction = m.direction ?? session.direction ?? 'sendrecv';
    const kind: SectionKind = m.type === 'audio' || m.type === 'video' ? m.type : 'application';
    return {
      index,
      kind,
      mid: m.mid !== undefined ? String(m.mid) : String(index),
      media: m,
      remoteSends: m.port !== 0 && (direction === 'sendonly' || direction === 'sendrecv'),
      remoteReceives: m.port !== 0 && (direction === 'recvonly' || direction === 'sendrecv'),
    };
  });
  const first = (sections.find((s) => s.media.port !== 0) ?? sections[0])!.media;
  const fingerprint = first.fingerprint ?? session.fingerprint;
  if (!fingerprint) throw new RtcNegotiationError('the offer has no a=fingerprint');
  if (!(first.iceUfrag ?? session.iceUfrag) || !(first.icePwd ?? session.icePwd)) {
    throw new RtcNegotiationError('the offer has no a=ice-ufrag/a=ice-pwd');
  }
  const algorithm = fingerprint.type.toLowerCase() as types.FingerprintAlgorithm;
  if (!['sha-1', 'sha-224', 'sha-256', 'sha-384', 'sha-512'].includes(algorithm)) {
    throw new RtcNegotiationError(`unsupported fingerprint algorithm ${fingerprint.type}`);
  }
  const setup = first.setup ?? 'actpass';
  // RFC 8842: an offerer's actpass or active makes it the DTLS client, so we answer passive (DTLS server).
  const remoteIsClient = setup !== 'passive';
  return {
    session,
    sections,
    remoteDtls: { role: remoteIsClient ? 'client' : 'server', fingerprints: [{ algorithm, value: fingerprint.hash }] },
    answerSetup: remoteIsClient ? 'passive' : 'active',
  };
}

/** a=fmtp parameters of one payload type, numbers as numbers (mediasoup compares them so). */
export function fmtpParameters(media: OfferMedia, payloadType: number): Record<string, string | number> {
  const fmtp = media.fmtp.find((f) => f.payload === payloadType);
  if (!fmtp) return {};
  const out: Record<string, string | number> = {};
  for (const pair of fmtp.config.split(';')) {
    const [key, value] = pair.split('=').map((s) => s.trim());
    if (!key || value === undefined) continue;
    // profile-level-id is hex ("640032" must stay a string); counters and flags are numbers.
    out[key] = key !== 'profile-level-id' && /^\d+$/.test(value) ? Number(value) : value;
  }
  return out;
}

/** a=rtcp-fb of one payload type, including the wildcard ones. */
export function rtcpFeedback(media: OfferMedia, payloadType: number): types.RtcpFeedback[] {
  return (media.rtcpFb ?? [])
    .filter((fb) => fb.payload === '*' || Number(fb.payload) === payloadType)
    .map((fb) => ({ type: fb.type, parameter: fb.subtype ?? '' }));
}

/** The a=rtpmap codec of a payload type as mediasoup codec parameters (without rtcp-fb filtering). */
export function offeredCodec(section: OfferSection, payloadType: number): types.RtpCodecParameters | undefined {
  const rtp = section.media.rtp.find((r) => r.payload === payloadType);
  if (!rtp || section.kind === 'application') return undefined;
  const codec: types.RtpCodecParameters = {
    mimeType: `${section.kind}/${rtp.codec}`,
    payloadType,
    clockRate: rtp.rate ?? (section.kind === 'audio' ? 8000 : 90000),
    parameters: fmtpParameters(section.media, payloadType),
    rtcpFeedback: rtcpFeedback(section.media, payloadType),
  };
  if (section.kind === 'audio') codec.channels = rtp.encoding ? Number(rtp.encoding) : 1;
  return codec;
}

/** The RTX payload type whose apt points at payloadType, if offered. */
export function rtxPayloadFor(section: OfferSection, payloadType: number): number | undefined {
  for (const rtp of section.media.rtp) {
    if (rtp.codec.toLowerCase() !== 'rtx') continue;
    if (Number(fmtpParameters(section.media, rtp.payload)['apt']) === payloadType) return rtp.payload;
  }
  return undefined;
}

/** Media payload types in the order offered (preference order), RTX/RED/FEC left out. */
export function mediaPayloadTypes(section: OfferSection): number[] {
  const skip = new Set(['rtx', 'red', 'ulpfec', 'flexfec-03', 'telephone-event', 'cn']);
  const order = String(section.media.payloads ?? '')
    .split(' ')
    .filter(Boolean)
    .map(Number);
  return order.filter((pt) => {
    const rtp = section.media.rtp.find((r) => r.payload === pt);
    return rtp !== undefined && !skip.has(rtp.codec.toLowerCase());
  });
}
