import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import { RTMP_HANDSHAKE_SIZE, RTMP_VERSION } from './rtmp-constants';
import { RtmpHandshakeError } from './rtmp-errors';
import { RtmpByteQueue } from './rtmp-byte-queue';
import { RTMP_FMS_KEY, RTMP_FMS_KEY_PARTIAL, RTMP_FP_KEY_PARTIAL, createRtmpDigestResponse, findRtmpDigest, imprintRtmpDigest } from './rtmp-handshake-digest';
import { formatRtmpVersion, type RtmpHandshakeOptions, type RtmpHandshakeProgress, type RtmpHandshakeResult } from './rtmp-handshake-types';

export interface RtmpServerHandshakeOptions extends RtmpHandshakeOptions {
  /**
   * Version advertised in digest-mode S1. FFmpeg (as a player) only checks
   * the S1 digest when the first version byte is >= 3, and Flash Player
   * expects an FMS-like version, so the default mimics FMS/nginx-rtmp.
   */
  serverVersion?: number;
}

const DEFAULT_SERVER_VERSION = 0x0d0e0a0d;

/**
 * Server side of the RTMP handshake as a pure state machine (no I/O).
 *
 * C1 with a zero version field gets the simple handshake (S2 = C1 echo).
 * Otherwise we look for a Flash Player digest under either offset scheme;
 * if found we answer with a digest S1 and a keyed S2 so players that verify
 * the server (Flash, FFmpeg/librtmp when playing) accept us. A non-zero
 * version without a valid digest falls back to the simple handshake, as
 * nginx-rtmp does, because several encoders fill the field but not a digest.
 *
 * C2 is not verified: FFmpeg and librtmp publishers echo S1 instead of
 * computing a digest response, and nothing about the session depends on it.
 */
export class RtmpServerHandshake {
  private readonly queue = new RtmpByteQueue();
  private readonly randomBytes: (size: number) => Buffer;
  private readonly now: () => number;
  private readonly serverVersion: number;
  private readonly startedAt: number;
  private state: 'c0c1' | 'c2' | 'done' = 'c0c1';
  private result: RtmpHandshakeResult | undefined;

  constructor(options: RtmpServerHandshakeOptions = {}) {
    this.randomBytes = options.randomBytes ?? cryptoRandomBytes;
    this.now = options.now ?? Date.now;
    this.serverVersion = options.serverVersion ?? DEFAULT_SERVER_VERSION;
    this.startedAt = this.now();
  }

  get isDone(): boolean {
    return this.state === 'done';
  }

  /** Feeds received bytes; throws RtmpHandshakeError on an invalid C0/C1. */
  push(data: Buffer): RtmpHandshakeProgress {
    if (this.state === 'done') throw new RtmpHandshakeError('handshake-invalid', 'handshake already completed');
    this.queue.push(data);
    let output: Buffer | undefined;
    if (this.state === 'c0c1') {
      const c0 = this.queue.peek(1);
      if (c0 === undefined) return { done: false };
      // Check C0 before waiting for C1 so non-RTMP traffic (HTTP, TLS to a plain port) fails fast.
      this.checkVersion(c0[0] as number);
      if (this.queue.length < 1 + RTMP_HANDSHAKE_SIZE) return { done: false };
      this.queue.skip(1);
      const c1 = Buffer.allocUnsafe(RTMP_HANDSHAKE_SIZE);
      this.queue.copyTo(c1, 0, RTMP_HANDSHAKE_SIZE);
      output = this.respondToC1(c1);
      this.state = 'c2';
    }
    if (this.queue.length < RTMP_HANDSHAKE_SIZE) return output ? { done: false, output } : { done: false };
    this.queue.skip(RTMP_HANDSHAKE_SIZE);
    this.state = 'done';
    const result = this.result as RtmpHandshakeResult;
    return output ? { done: true, output, result, remainder: this.queue.drain() } : { done: true, result, remainder: this.queue.drain() };
  }

  private checkVersion(version: number): void {
    if (version === RTMP_VERSION) return;
    if (version === 6 || version === 8 || version === 9) {
      throw new RtmpHandshakeError('handshake-version', `encrypted RTMP (RTMPE, C0=${version}) is not supported`);
    }
    throw new RtmpHandshakeError('handshake-version', `unsupported RTMP version byte ${version} (not an RTMP client?)`);
  }

  private respondToC1(c1: Buffer): Buffer {
    const peerTime = c1.readUInt32BE(0);
    const peerVersion = formatRtmpVersion(c1);
    const s0 = Buffer.from([RTMP_VERSION]);
    const s1 = Buffer.from(this.randomBytes(RTMP_HANDSHAKE_SIZE).subarray(0, RTMP_HANDSHAKE_SIZE));
    s1.writeUInt32BE(this.uptime(), 0);

    const match = c1.readUInt32BE(4) === 0 ? undefined : findRtmpDigest(c1, RTMP_FP_KEY_PARTIAL);
    if (match === undefined) {
      s1.writeUInt32BE(0, 4);
      this.result = { mode: 'simple', peerVersion, peerTime };
      return Buffer.concat([s0, s1, c1]);
    }
    s1.writeUInt32BE(this.serverVersion, 4);
    // Answer in the scheme the client used; clients that verify try both anyway.
    imprintRtmpDigest(s1, match.scheme, RTMP_FMS_KEY_PARTIAL);
    const s2 = createRtmpDigestResponse(match.digest, RTMP_FMS_KEY, this.randomBytes(RTMP_HANDSHAKE_SIZE));
    this.result = { mode: 'digest', peerVersion, peerTime, digestScheme: match.scheme };
    return Buffer.concat([s0, s1, s2]);
  }

  private uptime(): number {
    return Math.max(0, this.now() - this.startedAt) >>> 0;
  }
}
