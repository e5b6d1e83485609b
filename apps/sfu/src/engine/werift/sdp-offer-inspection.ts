import { parse } from 'sdp-transform';
import { RtcNegotiationError, type MediaKind } from '../rtc-engine';

/**
 * What the SFU needs to know about an offer before handing it to werift:
 * which sections send or receive which kind, with which codecs, and which
 * simulcast rids. It also bounds what a client can make us parse.
 */

export const MAX_OFFER_BYTES = 64 * 1024;
export const MAX_MEDIA_SECTIONS = 32;

export type OfferDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface OfferSection {
  index: number;
  mid: string | undefined;
  type: MediaKind | 'application' | 'other';
  direction: OfferDirection;
  /** Lower-cased `kind/name` of every rtpmap, e.g. `video/vp8`. */
  codecs: string[];
  /** Simulcast rids the client sends, in the order of a=simulcast (lowest first by convention). */
  sendRids: string[];
  rejected: boolean;
}

export function inspectOffer(offerSdp: string): OfferSection[] {
  if (typeof offerSdp !== 'string' || offerSdp.length === 0) throw new RtcNegotiationError('empty SDP offer');
  if (Buffer.byteLength(offerSdp) > MAX_OFFER_BYTES) {
    throw new RtcNegotiationError(`SDP offer larger than ${MAX_OFFER_BYTES} bytes`);
  }
  if (!/^v=0\r?\n/.test(offerSdp) || !/\r?\nm=/.test(offerSdp)) {
    throw new RtcNegotiationError('not an SDP offer with media sections');
  }
  let session: ReturnType<typeof parse>;
  try {
    session = parse(offerSdp);
  } catch (error) {
    throw new RtcNegotiationError(`unparsable SDP offer: ${(error as Error).message}`);
  }
  const media = session.media ?? [];
  if (media.length > MAX_MEDIA_SECTIONS) throw new RtcNegotiationError(`more than ${MAX_MEDIA_SECTIONS} media sections`);
  if (!media.every((m) => m.fingerprint ?? session.fingerprint)) throw new RtcNegotiationError('SDP offer without DTLS fingerprint');
  return media.map((m, index) => {
    const type = m.type === 'audio' || m.type === 'video' || m.type === 'application' ? m.type : 'other';
    const direction = (m.direction ?? session.direction ?? 'sendrecv') as OfferDirection;
    const simulcastSend = m.simulcast?.dir1 === 'send' ? m.simulcast.list1 : m.simulcast?.dir2 === 'send' ? m.simulcast.list2 : undefined;
    const sendRids = simulcastSend
      ? simulcastSend
          .split(';')
          .map((alternatives) => alternatives.split(',')[0]!.replace(/^~/, ''))
          .filter((rid) => rid.length > 0)
      : [];
    return {
      index,
      mid: m.mid === undefined ? undefined : String(m.mid),
      type,
      direction,
      codecs: (m.rtp ?? []).map((rtp) => `${m.type}/${rtp.codec}`.toLowerCase()),
      sendRids,
      rejected: m.port === 0,
    };
  });
}

export function sends(section: OfferSection): boolean {
  return !section.rejected && (section.direction === 'sendonly' || section.direction === 'sendrecv');
}

export function receives(section: OfferSection): boolean {
  return !section.rejected && (section.direction === 'recvonly' || section.direction === 'sendrecv');
}
