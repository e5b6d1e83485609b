import { RTCRtpCodecParameters, type RTCRtpCodecParameters as CodecParameters } from 'werift';
import type { RtcMimeType } from '../rtc-engine';

/**
 * The codecs the werift engine routes, as werift peer-connection config.
 * werift matches H.264 on the exact profile-level-id, so every profile and
 * level browsers and encoders commonly offer is listed (constrained baseline,
 * baseline, main, high); only packetization-mode 1.
 */

const VIDEO_FEEDBACK = [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }, { type: 'goog-remb' }];

const H264_PROFILE_LEVEL_IDS = ['42e01f', '42001f', '42e034', '4d001f', '4d0032', '64001f', '640032', '640034', '640c1f'];

export function weriftAudioCodecs(): CodecParameters[] {
  return [
    new RTCRtpCodecParameters({
      mimeType: 'audio/opus',
      clockRate: 48000,
      channels: 2,
      payloadType: 111,
      rtcpFeedback: [{ type: 'nack' }],
      parameters: 'minptime=10;useinbandfec=1',
    }),
  ];
}

export function weriftVideoCodecs(): CodecParameters[] {
  return [
    new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000, payloadType: 96, rtcpFeedback: VIDEO_FEEDBACK }),
    ...H264_PROFILE_LEVEL_IDS.map(
      (profileLevelId, index) =>
        new RTCRtpCodecParameters({
          mimeType: 'video/H264',
          clockRate: 90000,
          payloadType: 100 + index,
          rtcpFeedback: VIDEO_FEEDBACK,
          parameters: `level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=${profileLevelId}`,
        }),
    ),
  ];
}

/** The SFU's name for a negotiated werift codec; undefined for one it does not route (rtx, red …). */
export function routedMimeType(codec: Pick<CodecParameters, 'mimeType'>): RtcMimeType | undefined {
  switch (codec.mimeType.toLowerCase()) {
    case 'audio/opus':
      return 'audio/opus';
    case 'video/vp8':
      return 'video/VP8';
    case 'video/h264':
      return 'video/H264';
    default:
      return undefined;
  }
}
