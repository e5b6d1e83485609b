import { ortc, type types } from 'mediasoup';

/**
 * The codecs every router routes (issue 9): Opus, VP8 and H.264
 * packetization-mode 1 in constrained baseline (42e01f, what every browser
 * sends) and high (640032, what OBS and hardware encoders send over WHIP).
 * level-asymmetry-allowed lets a viewer decode a higher level than it sends.
 */
export const ROUTER_MEDIA_CODECS: types.RouterRtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000 },
  {
    kind: 'video',
    mimeType: 'video/H264',
    clockRate: 90000,
    parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1 },
  },
  {
    kind: 'video',
    mimeType: 'video/H264',
    clockRate: 90000,
    parameters: { 'packetization-mode': 1, 'profile-level-id': '640032', 'level-asymmetry-allowed': 1 },
  },
];

/** RTCP feedback we answer when offered (and the router supports it for the codec). */
export const ANSWERED_RTCP_FEEDBACK = new Set(['nack', 'nack pli', 'ccm fir', 'goog-remb', 'transport-cc']);

/**
 * Whether a router can take this codec from a producer. mediasoup's own ORTC
 * matcher decides (H.264 profile and packetization-mode rules included), so
 * the SDP layer never re-implements codec matching.
 */
export function routerAcceptsCodec(codec: types.RtpCodecParameters, routerCaps: types.RtpCapabilities): boolean {
  try {
    ortc.getProducerRtpParametersMapping({ codecs: [codec], encodings: [{ ssrc: 1 }] }, routerCaps);
    return true;
  } catch {
    return false;
  }
}

/** Capabilities of a router with only one of our codecs, to tell which of them an offered codec is. */
const SINGLE_CODEC_CAPS = ROUTER_MEDIA_CODECS.map((codec) => ortc.generateRouterRtpCapabilities([codec]));

/** Which entry of ROUTER_MEDIA_CODECS this codec is (-1 when none). */
export function routerCodecIndex(codec: types.RtpCodecParameters): number {
  return SINGLE_CODEC_CAPS.findIndex((caps) => routerAcceptsCodec(codec, caps));
}
