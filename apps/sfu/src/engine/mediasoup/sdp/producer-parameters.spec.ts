import { ortc } from 'mediasoup';
import { RtcNegotiationError } from '../../rtc-engine';
import { ROUTER_MEDIA_CODECS } from '../media-codecs';
import { MAX_OFFER_BYTES, parseOffer } from './offer-sdp';
import { producerSection } from './producer-parameters';

const routerCaps = ortc.generateRouterRtpCapabilities(ROUTER_MEDIA_CODECS);

/** A Chrome-shaped publishing offer: H.264 high before VP8, RTX, transport-cc, and either rids or an SSRC pair. */
function offer(video: 'simulcast' | 'fid'): string {
  const lines = [
    'v=0',
    'o=- 1 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    'm=video 9 UDP/TLS/RTP/SAVPF 102 103 96 97',
    'c=IN IP4 0.0.0.0',
    'a=ice-ufrag:abcd',
    'a=ice-pwd:abcdefghijklmnopqrstuvwx',
    'a=fingerprint:sha-256 AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99',
    'a=setup:actpass',
    'a=mid:0',
    'a=sendonly',
    'a=rtcp-mux',
    'a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
    'a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid',
    'a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id',
    'a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id',
    'a=extmap:14 urn:example:unknown',
    'a=rtpmap:102 H264/90000',
    'a=rtcp-fb:102 transport-cc',
    'a=rtcp-fb:102 nack',
    'a=rtcp-fb:102 nack pli',
    'a=rtcp-fb:102 rrtr',
    'a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=640032',
    'a=rtpmap:103 rtx/90000',
    'a=fmtp:103 apt=102',
    'a=rtpmap:96 VP8/90000',
    'a=rtpmap:97 rtx/90000',
    'a=fmtp:97 apt=96',
    ...(video === 'simulcast'
      ? ['a=rid:q send', 'a=rid:h send', 'a=rid:f send', 'a=simulcast:send q;h;f']
      : ['a=ssrc-group:FID 1111 2222', 'a=ssrc:1111 cname:pub', 'a=ssrc:2222 cname:pub']),
  ];
  return lines.join('\r\n') + '\r\n';
}

describe('producer parameters from an offer section', () => {
  it('takes the first routable codec with its RTX, known extensions with the offer ids, and simulcast rids lowest first', () => {
    const parsed = parseOffer(offer('simulcast'));
    const section = producerSection(parsed.sections[0]!, routerCaps)!;
    expect(section.rtpParameters.codecs.map((c) => [c.mimeType, c.payloadType])).toEqual([
      ['video/H264', 102],
      ['video/rtx', 103],
    ]);
    // The hex profile stays a string (mediasoup's H.264 matching needs it so).
    expect(section.rtpParameters.codecs[0]!.parameters!['profile-level-id']).toBe('640032');
    expect(section.rtpParameters.codecs[0]!.rtcpFeedback!.map((f) => `${f.type} ${f.parameter}`.trim())).toEqual(['transport-cc', 'nack', 'nack pli']);
    expect(section.rtpParameters.headerExtensions!.map((h) => h.id)).toEqual([3, 4, 10, 11]);
    // Three temporal layers per simulcast layer, as browsers send them: told nothing, mediasoup would forward only the first.
    expect(section.rtpParameters.encodings).toEqual(['q', 'h', 'f'].map((rid) => ({ rid, scalabilityMode: 'L1T3' })));
    expect(section.rids).toEqual(['q', 'h', 'f']);
    expect(parsed.answerSetup).toBe('passive');
    expect(parsed.remoteDtls.role).toBe('client');
  });

  it('builds one encoding with its RTX SSRC from a FID group', () => {
    const section = producerSection(parseOffer(offer('fid')).sections[0]!, routerCaps)!;
    expect(section.rtpParameters.encodings).toEqual([{ ssrc: 1111, rtx: { ssrc: 2222 } }]);
    expect(section.rtpParameters.rtcp?.cname).toBe('pub');
    expect(section.rids).toEqual([]);
  });

  it('refuses offers that are not SDP, too large, or without DTLS', () => {
    expect(() => parseOffer('')).toThrow(RtcNegotiationError);
    expect(() => parseOffer('hello')).toThrow(RtcNegotiationError);
    expect(() => parseOffer(offer('fid') + 'a=x:' + 'y'.repeat(MAX_OFFER_BYTES))).toThrow(/larger than/);
    expect(() => parseOffer(offer('fid').replace(/a=fingerprint.*\r\n/, ''))).toThrow(/fingerprint/);
  });
});
