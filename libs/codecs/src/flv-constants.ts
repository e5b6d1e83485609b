/** FLV tag types (TagType, low 5 bits of the first tag-header byte). */
export const FLV_TAG_AUDIO = 8;
export const FLV_TAG_VIDEO = 9;
export const FLV_TAG_SCRIPT = 18;

/** "FLV", version, flags, u32 data offset. */
export const FLV_HEADER_SIZE = 9;
/** Type, u24 size, u24 timestamp, timestamp-extended byte, u24 stream id. */
export const FLV_TAG_HEADER_SIZE = 11;
/** The u32 PreviousTagSize written after the header and after every tag. */
export const FLV_PREVIOUS_TAG_SIZE_BYTES = 4;
/** DataSize is a u24 field. */
export const FLV_MAX_TAG_DATA_SIZE = 0xffffff;

/** FLV legacy video CodecID values (plus the widespread HEVC extension, 12). */
export const FLV_VIDEO_CODEC_AVC = 7;
export const FLV_VIDEO_CODEC_HEVC = 12;

/** FLV SoundFormat values. */
export const FLV_SOUND_FORMAT_AAC = 10;
/** E-RTMP v2: the low nibble is an AudioPacketType and a FourCC follows. */
export const FLV_SOUND_FORMAT_EX_HEADER = 9;
