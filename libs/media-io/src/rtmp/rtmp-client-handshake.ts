import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import { RTMP_HANDSHAKE_SIZE, RTMP_VERSION } from './rtmp-constants';
import { RtmpHandshakeError } from './rtmp-errors';
import { RtmpByteQueue } from './rtmp-byte-queue';
import {
  RTMP_FMS_KEY_PARTIAL,
  RTMP_FP_KEY,
  RTMP_FP_KEY_PARTIAL,
  createRtmpDigestResponse,
  findRtmpDigest,
  imprintRtmpDigest,
  verifyRtmpDigestResponse,
  RTMP_FMS_KEY,
  type RtmpDigestScheme,
} from './rtmp-handshake-digest';
import {
  formatRtmpVersion,
  type RtmpHandshakeMode,
  type RtmpHandshakeOptions,
  type RtmpHandshakeProgress,
  type RtmpHandshakeResult,
} from './rtmp-handshake-types';

export interface RtmpClientHandshakeOptions extends RtmpHandshakeOptions {
  /** 'simple' sends a zero version (no digest); 'digest' behaves like FFmpeg/librtmp. Default 'simple'. */
  mode?: RtmpHandshakeMode;
  /** Digest scheme for C1 in digest mode; FFmpeg uses 0. */
  digestScheme?: RtmpDigestScheme;
  /** Version written into a digest C1 (FFmpeg sends 9.0.124.2). */
  clientVersion?: number;
}

/**
 * Client side of the handshake, used by tests and benchmarks to drive our own
 * server. In digest mode it verifies S1 and S2 exactly like FFmpeg does as a
 * player, so it doubles as a conformance check of the server implementation.
 */
export class RtmpClientHandshake {
  private readonly queue = new RtmpByteQueue();
  private readonly mode: RtmpHandshakeMode;
  private readonly randomBytes: (size: number) => Buffer;
  private readonly c1: Buffer;
  private c1Digest: Buffer | undefined;
  private done = false;

  constructor(options: RtmpClientHandshakeOptions = {}) {
    this.mode = options.mode ?? 'simple';
    this.randomBytes = options.randomBytes ?? cryptoRandomBytes;
    const now = options.now ?? Date.now;
    this.c1 = Buffer.from(this.randomBytes(RTMP_HANDSHAKE_SIZE).subarray(0, RTMP_HANDSHAKE_SIZE));
    this.c1.writeUInt32BE(now() >>> 0, 0);
    if (this.mode === 'simple') {
      this.c1.writeUInt32BE(0, 4);
    } else {
      this.c1.writeUInt32BE(options.clientVersion ?? 0x09007c02, 4);
      const offset = imprintRtmpDigest(this.c1, options.digestScheme ?? 0, RTMP_FP_KEY_PARTIAL);
      this.c1Digest = Buffer.from(this.c1.subarray(offset, offset + 32));
    }
  }

  /** C0+C1, to be sent as soon as the socket connects. */
  start(): Buffer {
    return Buffer.concat([Buffer.from([RTMP_VERSION]), this.c1]);
  }

  /** Feeds S0/S1/S2 bytes; returns C2 once S0..S2 are in. Throws RtmpHandshakeError on invalid server data. */
  push(data: Buffer): RtmpHandshakeProgress {
    if (this.done) throw new RtmpHandshakeError('handshake-invalid', 'handshake already completed');
    this.queue.push(data);
    const s0 = this.queue.peek(1);
    if (s0 === undefined) return { done: false };
    if (s0[0] !== RTMP_VERSION) throw new RtmpHandshakeError('handshake-version', `server answered with version ${s0[0]}`);
    if (this.queue.length < 1 + 2 * RTMP_HANDSHAKE_SIZE) return { done: false };
    this.queue.skip(1);
    const s1 = Buffer.allocUnsafe(RTMP_HANDSHAKE_SIZE);
    const s2 = Buffer.allocUnsafe(RTMP_HANDSHAKE_SIZE);
    this.queue.copyTo(s1, 0, RTMP_HANDSHAKE_SIZE);
    this.queue.copyTo(s2, 0, RTMP_HANDSHAKE_SIZE);
    this.done = true;
    const peerVersion = formatRtmpVersion(s1);
    const peerTime = s1.readUInt32BE(0);

    let c2: Buffer;
    let result: RtmpHandshakeResult;
    // Like FFmpeg: only insist on digests when the server claims a version that implies them.
    if (this.c1Digest !== undefined && (s1[4] ?? 0) >= 3) {
      const match = findRtmpDigest(s1, RTMP_FMS_KEY_PARTIAL);
      if (match === undefined) throw new RtmpHandshakeError('handshake-invalid', 'server S1 digest is invalid');
      if (!verifyRtmpDigestResponse(s2, this.c1Digest, RTMP_FMS_KEY)) {
        throw new RtmpHandshakeError('handshake-invalid', 'server S2 signature does not match our C1 digest');
      }
      c2 = createRtmpDigestResponse(match.digest, RTMP_FP_KEY, this.randomBytes(RTMP_HANDSHAKE_SIZE));
      result = { mode: 'digest', peerVersion, peerTime, digestScheme: match.scheme };
    } else {
      if (this.c1Digest === undefined && !s2.equals(this.c1)) {
        throw new RtmpHandshakeError('handshake-invalid', 'server S2 does not echo our C1');
      }
      c2 = s1;
      result = { mode: 'simple', peerVersion, peerTime };
    }
    return { done: true, output: c2, result, remainder: this.queue.drain() };
  }
}
