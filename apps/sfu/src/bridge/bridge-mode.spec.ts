import { decideBridgeMode } from './bridge-mode';

describe('decideBridgeMode', () => {
  it('passes Baseline and Constrained Baseline H.264 through: they cannot carry B-frames', () => {
    expect(decideBridgeMode({ video: { codec: 'h264', profile: 'Constrained Baseline' } }).mode).toBe('passthrough');
    expect(decideBridgeMode({ video: { codec: 'h264', profile: 'Baseline' }, audio: { codec: 'aac' } }).mode).toBe('passthrough');
  });

  it('re-encodes Main and High H.264, which may reorder frames', () => {
    expect(decideBridgeMode({ video: { codec: 'h264', profile: 'High' } })).toEqual({ mode: 'reencode', why: 'H.264 High may carry B-frames' });
    expect(decideBridgeMode({ video: { codec: 'h264', profile: 'Main' } }).mode).toBe('reencode');
  });

  it('re-encodes H.264 of unknown profile and every other video codec', () => {
    expect(decideBridgeMode({ video: { codec: 'h264' } }).mode).toBe('reencode');
    expect(decideBridgeMode({ video: { codec: 'hevc', profile: 'Main' } })).toEqual({ mode: 'reencode', why: 'video is hevc, not H.264' });
  });

  it('has no video to re-encode in an audio-only stream', () => {
    expect(decideBridgeMode({ audio: { codec: 'aac' } }).mode).toBe('passthrough');
  });
});
