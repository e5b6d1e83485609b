import { readRtpHeader, type RtpHeader } from '@mediaplane/codecs';
import { CatchUpLayer } from './catch-up-layer';

const MAIN_SSRC = 1111;
const LAYER_SSRC = 2222;
const FRAME_TICKS = 3600; // 25 fps at 90 kHz

let mainSequence = 0;
/** One packet of the main layer: an IDR slice (keyframe) or a non-IDR slice, `size` bytes of payload. */
function mainPacket(timestamp: number, keyframe: boolean, size = 100): { packet: Buffer; header: RtpHeader } {
  const packet = Buffer.alloc(12 + size);
  packet[0] = 0x80;
  packet[1] = 96;
  packet.writeUInt16BE(mainSequence++ & 0xffff, 2);
  packet.writeUInt32BE(timestamp >>> 0, 4);
  packet.writeUInt32BE(MAIN_SSRC, 8);
  packet[12] = keyframe ? 0x65 : 0x41;
  return { packet, header: readRtpHeader(packet)! };
}

function layer(maxGopBytes = 1_000_000): CatchUpLayer {
  return new CatchUpLayer({ ssrc: LAYER_SSRC, mimeType: 'video/H264', maxGopBytes, ticksPerMs: 90 });
}

/** Feeds frames (two packets each) from `first` on; frame i is a keyframe when keyframeAt(i). */
function feed(target: CatchUpLayer, frames: number, nowMs: number, keyframeAt: (i: number) => boolean, first = 0): Buffer[] {
  const out: Buffer[] = [];
  for (let i = first; i < first + frames; i++) {
    for (const part of [0, 1]) {
      const { packet, header } = mainPacket(i * FRAME_TICKS, keyframeAt(i) && part === 0);
      const copy = target.onLivePacket(packet, header, nowMs + (i - first) * 40);
      if (copy) out.push(copy);
    }
  }
  return out;
}

function headers(packets: Buffer[]): RtpHeader[] {
  return packets.map((p) => readRtpHeader(p)!);
}

/** Consecutive sequence numbers (mod 2^16) and timestamps that never go back (mod 2^32, within half the range). */
function expectContinuous(all: RtpHeader[]): void {
  for (let i = 1; i < all.length; i++) {
    expect(all[i]!.sequenceNumber).toBe((all[i - 1]!.sequenceNumber + 1) & 0xffff);
    expect((all[i]!.timestamp - all[i - 1]!.timestamp) >>> 0).toBeLessThan(2 ** 31);
  }
}

describe('CatchUpLayer', () => {
  it('forwards the live stream on its own SSRC, with its own continuous numbering and the main timing', () => {
    const out = headers(feed(layer(), 10, 0, (i) => i === 0));
    expect(out).toHaveLength(20);
    expect(out.every((h) => h.ssrc === LAYER_SSRC)).toBe(true);
    expectContinuous(out);
    expect((out[2]!.timestamp - out[0]!.timestamp) >>> 0).toBe(FRAME_TICKS);
  });

  it('has nothing to replay before a keyframe came (the next live one reaches the viewer)', () => {
    const target = layer();
    feed(target, 5, 0, () => false);
    expect(target.requestKeyframe()).toBe(false);
    expect(target.cachedBytes).toBe(0);
  });

  it('replays the GOP from its keyframe frame by frame, then goes on live where the replay stopped', () => {
    const target = layer();
    const before = feed(target, 30, 0, (i) => i === 0 || i === 20); // a GOP of frames 20–29 is cached
    expect(target.requestKeyframe()).toBe(true);
    expect(target.requestKeyframe()).toBe(false); // already replaying, its keyframe not yet sent

    const replayed: Buffer[][] = [];
    let now = 2000;
    for (let frame = target.nextReplayFrame(now); frame; frame = target.nextReplayFrame((now += 2))) {
      replayed.push(frame);
      // Live packets arriving meanwhile join the replay instead of going out on their own.
      if (replayed.length === 3) {
        const live = mainPacket(30 * FRAME_TICKS, false);
        expect(target.onLivePacket(live.packet, live.header, now)).toBeUndefined();
      }
    }
    expect(target.replaying).toBe(false);
    expect(replayed).toHaveLength(11); // frames 20–29 and the live frame 30
    expect(replayed[0]![0]![12]).toBe(0x65); // starts at the keyframe
    expect(replayed.every((frame) => new Set(headers(frame).map((h) => h.timestamp)).size === 1)).toBe(true);

    const after = feed(target, 3, now + 40, () => false, 31);
    const all = headers([...before, ...replayed.flat(), ...after]);
    expectContinuous(all);
    // Replayed frames are stamped at the pace they were sent (2 ms = 180 ticks apart), live ones by the source.
    const replayTimestamps = replayed.map((frame) => readRtpHeader(frame[0]!)!.timestamp);
    expect((replayTimestamps[1]! - replayTimestamps[0]!) >>> 0).toBe(180);
    expect((readRtpHeader(after[0]!)!.timestamp - replayTimestamps[10]!) >>> 0).toBe(FRAME_TICKS);
  });

  it('replays again for a viewer who asked after the running replay had sent its keyframe', () => {
    const target = layer();
    feed(target, 5, 0, (i) => i === 0);
    expect(target.requestKeyframe()).toBe(true);
    let frames = 0;
    for (let now = 100; target.nextReplayFrame(now); now++) {
      frames++;
      if (frames === 2) expect(target.requestKeyframe()).toBe(false); // queued behind this replay
    }
    expect(frames).toBe(10); // two replays of five frames
  });

  it('starts a running replay over from a keyframe that arrives during it', () => {
    const target = layer();
    feed(target, 5, 0, (i) => i === 0);
    expect(target.requestKeyframe()).toBe(true);
    target.nextReplayFrame(100);
    feed(target, 1, 101, () => true, 5);
    const next = target.nextReplayFrame(102);
    expect(next?.[0]?.[12]).toBe(0x65);
    expect(target.nextReplayFrame(103)).toBeUndefined();
  });

  it('keeps no GOP above its byte limit: joiners wait for the next live keyframe then', () => {
    const target = layer(1500);
    feed(target, 10, 0, (i) => i === 0); // 20 packets of 112 bytes
    expect(target.cachedBytes).toBe(0);
    expect(target.requestKeyframe()).toBe(false);
  });

  it("maps the main layer's sender report onto its own timeline", () => {
    const target = layer();
    const [copy] = feed(target, 1, 0, () => true, 5);
    const mainTimestamp = 5 * FRAME_TICKS;
    const report = target.senderReport({ ssrc: MAIN_SSRC, ntpSeconds: 100, ntpFraction: 5, rtpTimestamp: mainTimestamp, packetCount: 1, octetCount: 2 });
    expect(report).toEqual({
      ssrc: LAYER_SSRC,
      ntpSeconds: 100,
      ntpFraction: 5,
      rtpTimestamp: readRtpHeader(copy!)!.timestamp,
      packetCount: 2,
      octetCount: 200,
    });
  });
});
