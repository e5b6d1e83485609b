import * as codecs from './index';

describe('@mediaplane/codecs public API', () => {
  it('exports the names other libraries code against', () => {
    const names = [
      'decodeAmf0',
      'encodeAmf0',
      'Amf0EcmaArray',
      'Amf0DecodeError',
      'DEFAULT_AMF0_LIMITS',
      'FLV_TAG_AUDIO',
      'FLV_TAG_VIDEO',
      'FLV_TAG_SCRIPT',
      'encodeFlvHeader',
      'encodeFlvTag',
      'encodeFlvTagHeader',
      'FlvDemuxer',
      'FlvDemuxError',
      'parseFlvVideoTagHeader',
      'parseAvcDecoderConfigurationRecord',
      'parseH264Sps',
      'splitAvcNalus',
      'avcToAnnexB',
      'avcCodecString',
      'isKeyframeStart',
      'parseFlvAudioTagHeader',
      'parseAudioSpecificConfig',
      'aacCodecString',
      'encodeAdtsHeader',
      'CodecError',
      'MpegTsDemuxer',
      'MpegTsDemuxError',
      'MpegTsToFlv',
      'FlvToMpegTsMuxer',
      'buildAvcDecoderConfigurationRecord',
      'buildHevcDecoderConfigurationRecord',
    ];
    expect(names.filter((name) => !(name in codecs))).toEqual([]);
  });

  it('has the FLV tag type values from the FLV spec', () => {
    expect([codecs.FLV_TAG_AUDIO, codecs.FLV_TAG_VIDEO, codecs.FLV_TAG_SCRIPT]).toEqual([8, 9, 18]);
  });

  it('makes every specific error a CodecError', () => {
    const errors = [
      codecs.Amf0DecodeError,
      codecs.Amf0EncodeError,
      codecs.FlvDemuxError,
      codecs.FlvEncodeError,
      codecs.VideoParseError,
      codecs.AudioParseError,
      codecs.AdtsEncodeError,
      codecs.MpegTsDemuxError,
    ];
    for (const ErrorClass of errors) {
      const error = new ErrorClass('boom');
      expect(error).toBeInstanceOf(codecs.CodecError);
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe(ErrorClass.name);
      expect(error.message).toBe('boom');
    }
  });

  it('keeps the default AMF0 limits immutable', () => {
    expect(Object.isFrozen(codecs.DEFAULT_AMF0_LIMITS)).toBe(true);
    expect(codecs.DEFAULT_AMF0_LIMITS).toEqual({
      maxDepth: 16,
      maxStringBytes: 65536,
      maxKeys: 1024,
      maxValues: 65536,
    });
  });
});
