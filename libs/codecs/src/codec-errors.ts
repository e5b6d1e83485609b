/**
 * Error hierarchy for everything in @mediaplane/codecs.
 *
 * Every parser of untrusted bytes throws one of these (never a RangeError from
 * a Buffer read), so callers can `catch (e) { if (e instanceof CodecError) ... }`
 * to tell "peer sent garbage" apart from a bug in our own code.
 */
export class CodecError extends Error {
  constructor(message: string) {
    super(message);
    // new.target keeps the subclass name without each subclass repeating it.
    this.name = new.target.name;
  }
}

/** Malformed, truncated or over-limit AMF0 input. */
export class Amf0DecodeError extends CodecError {}

/** A value that AMF0 cannot represent (too long, too deep or cyclic). */
export class Amf0EncodeError extends CodecError {}

/** Malformed FLV byte stream, or a tag larger than the configured limit. */
export class FlvDemuxError extends CodecError {}

/** Arguments that do not fit the FLV tag header fields. */
export class FlvEncodeError extends CodecError {}

/** Malformed FLV video tag header, AVC configuration record, NAL stream or SPS. */
export class VideoParseError extends CodecError {}

/** Malformed FLV audio tag header or AudioSpecificConfig. */
export class AudioParseError extends CodecError {}

/** An AAC configuration that an ADTS header cannot express. */
export class AdtsEncodeError extends CodecError {}

/**
 * Malformed MPEG-TS that the demuxer cannot recover from by itself: no sync
 * byte within the resync bound, or PES packets over their size limit again
 * and again. The connection that sent it should be closed; recoverable damage
 * (continuity errors, bad CRCs, broken PES headers) is counted instead.
 */
export class MpegTsDemuxError extends CodecError {}
