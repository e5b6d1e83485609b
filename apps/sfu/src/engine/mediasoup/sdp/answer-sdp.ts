import { randomInt } from 'node:crypto';
import * as sdpTransform from 'sdp-transform';
import type { types } from 'mediasoup';
import type { OfferSection } from './offer-sdp';

/** SCTP port and message size we answer for data channels (the defaults every browser uses). */
export const SCTP_PORT = 5000;
export const MAX_MESSAGE_SIZE = 262144;

export interface AnswerTransport {
  iceParameters: types.IceParameters;
  iceCandidates: types.IceCandidate[];
  dtlsParameters: types.DtlsParameters;
  setup: 'active' | 'passive';
}

export type AnswerSection =
  | { type: 'rejected'; section: OfferSection }
  | { type: 'recv'; section: OfferSection; rtpParameters: types.RtpParameters; rids: string[] }
  | { type: 'send'; section: OfferSection; rtpParameters: types.RtpParameters; streamId: string; trackId: string }
  | { type: 'data'; section: OfferSection };

/** Writes the answer: ICE-lite, one BUNDLE over every accepted section, sections in offer order. */
export function writeAnswer(transport: AnswerTransport, sections: AnswerSection[]): string {
  const fingerprint = transport.dtlsParameters.fingerprints.find((f) => f.algorithm === 'sha-256') ?? transport.dtlsParameters.fingerprints[0];
  if (!fingerprint) throw new Error('the transport has no DTLS fingerprint');
  const accepted = sections.filter((s) => s.type !== 'rejected').map((s) => s.section.mid);
  const session: sdpTransform.SessionDescription = {
    version: 0,
    origin: { username: '-', sessionId: randomInt(1, 2 ** 47), sessionVersion: 2, netType: 'IN', ipVer: 4, address: '127.0.0.1' },
    name: '-',
    timing: { start: 0, stop: 0 },
    icelite: 'ice-lite',
    fingerprint: { type: fingerprint.algorithm, hash: fingerprint.value },
    msidSemantic: { semantic: 'WMS', token: '*' },
    groups: accepted.length > 0 ? [{ type: 'BUNDLE', mids: accepted.join(' ') }] : [],
    media: sections.map((s) => writeSection(transport, s)),
  };
  return sdpTransform.write(session);
}

function writeSection(transport: AnswerTransport, s: AnswerSection): sdpTransform.MediaDescription {
  const offered = s.section.media;
  const base: sdpTransform.MediaDescription = {
    type: offered.type,
    port: 9,
    protocol: offered.protocol,
    payloads: '',
    rtp: [],
    fmtp: [],
    connection: { version: 4, ip: '0.0.0.0' },
    mid: s.section.mid,
  };
  if (s.type === 'rejected') {
    const rejected = { ...base, port: 0, payloads: offered.payloads ?? '', rtp: offered.rtp, fmtp: offered.fmtp, direction: 'inactive' as const };
    // Some stacks (werift) read a=sctp-port even from a rejected data section.
    return s.section.kind === 'application' ? { ...rejected, sctpPort: SCTP_PORT, maxMessageSize: MAX_MESSAGE_SIZE } : rejected;
  }
  const transportAttributes = {
    iceUfrag: transport.iceParameters.usernameFragment,
    icePwd: transport.iceParameters.password,
    setup: transport.setup,
    candidates: transport.iceCandidates.map((c) => ({
      foundation: c.foundation,
      component: 1,
      transport: c.protocol,
      priority: c.priority,
      ip: c.address,
      port: c.port,
      type: c.type,
      ...(c.protocol === 'tcp' ? { tcptype: c.tcpType ?? 'passive' } : {}),
    })),
    endOfCandidates: 'end-of-candidates' as const,
  };
  if (s.type === 'data') {
    return { ...base, ...transportAttributes, payloads: 'webrtc-datachannel', sctpPort: SCTP_PORT, maxMessageSize: MAX_MESSAGE_SIZE };
  }
  const media: sdpTransform.MediaDescription = {
    ...base,
    ...transportAttributes,
    ...codecAttributes(s.rtpParameters),
    ext: (s.rtpParameters.headerExtensions ?? []).map((h) => ({ value: h.id, uri: h.uri })),
    rtcpMux: 'rtcp-mux',
    rtcpRsize: 'rtcp-rsize',
    direction: s.type === 'recv' ? 'recvonly' : 'sendonly',
  };
  if (s.type === 'recv' && s.rids.length > 0) {
    media.rids = s.rids.map((rid) => ({ id: rid, direction: 'recv' }));
    media.simulcast = { dir1: 'recv', list1: s.rids.join(';') };
  }
  if (s.type === 'send') writeSsrcs(media, s.rtpParameters, s.streamId, s.trackId);
  return media;
}

function codecAttributes(rtp: types.RtpParameters): Pick<sdpTransform.MediaDescription, 'payloads' | 'rtp' | 'fmtp' | 'rtcpFb'> {
  const codecs = rtp.codecs;
  return {
    payloads: codecs.map((c) => c.payloadType).join(' '),
    rtp: codecs.map((c) => ({
      payload: c.payloadType,
      codec: c.mimeType.split('/')[1] ?? c.mimeType,
      rate: c.clockRate,
      ...(c.channels && c.channels > 1 ? { encoding: c.channels } : {}),
    })),
    fmtp: codecs
      .filter((c) => c.parameters && Object.keys(c.parameters).length > 0)
      .map((c) => ({
        payload: c.payloadType,
        config: Object.entries(c.parameters as Record<string, unknown>)
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(';'),
      })),
    rtcpFb: codecs.flatMap((c) =>
      (c.rtcpFeedback ?? []).map((fb) => ({ payload: c.payloadType, type: fb.type, ...(fb.parameter ? { subtype: fb.parameter } : {}) })),
    ),
  };
}

function writeSsrcs(media: sdpTransform.MediaDescription, rtp: types.RtpParameters, streamId: string, trackId: string): void {
  const encoding = rtp.encodings?.[0];
  if (!encoding?.ssrc) return;
  const cname = rtp.rtcp?.cname ?? streamId;
  const ssrcs = [encoding.ssrc, ...(encoding.rtx?.ssrc ? [encoding.rtx.ssrc] : [])];
  media.msid = [{ id: streamId, appdata: trackId }];
  media.ssrcs = ssrcs.flatMap((id) => [
    { id, attribute: 'cname', value: cname },
    { id, attribute: 'msid', value: `${streamId} ${trackId}` },
  ]);
  if (encoding.rtx?.ssrc) media.ssrcGroups = [{ semantics: 'FID', ssrcs: `${encoding.ssrc} ${encoding.rtx.ssrc}` }];
}
