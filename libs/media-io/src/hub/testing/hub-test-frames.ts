/** Minimal FLV tag bodies for hub specs: the first bytes the hub classifies by, then filler. */
export const testFrames = {
  videoConfig: (): Buffer => Buffer.from([0x17, 0x00, 0, 0, 0, 0x01, 0x4d, 0x40, 0x0a, 0xff]),
  keyframe: (size = 100): Buffer => Buffer.concat([Buffer.from([0x17, 0x01, 0, 0, 0]), Buffer.alloc(size, 0x65)]),
  interframe: (size = 50): Buffer => Buffer.concat([Buffer.from([0x27, 0x01, 0, 0, 0]), Buffer.alloc(size, 0x41)]),
  audioConfig: (): Buffer => Buffer.from([0xaf, 0x00, 0x12, 0x10]),
  audio: (size = 20): Buffer => Buffer.concat([Buffer.from([0xaf, 0x01]), Buffer.alloc(size, 0x21)]),
  /** AMF0 "onMetaData" + empty ECMA array. */
  metadata: (): Buffer => Buffer.from([0x02, 0x00, 0x0a, ...Buffer.from('onMetaData'), 0x08, 0, 0, 0, 0, 0, 0, 9]),
};

/**
 * Sequence headers FFmpeg 5.1 wrote for libx264 Main 48x32 @ 10 fps and
 * AAC-LC 44.1 kHz stereo (FLV tag bodies, copied from a real file).
 */
export const ffmpegSequenceHeaders = {
  avc: (): Buffer => Buffer.from('1700000000014d400affe10017674d400aeca6b6022000000300200000030281e244b2c001000568ce039c80', 'hex'),
  aac: (): Buffer => Buffer.from('af00121056e500', 'hex'),
};
