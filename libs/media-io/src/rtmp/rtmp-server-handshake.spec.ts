import { randomBytes } from 'node:crypto';
import { RtmpClientHandshake } from './rtmp-client-handshake';
import { RtmpHandshakeError } from './rtmp-errors';
import { RTMP_FP_KEY_PARTIAL, imprintRtmpDigest } from './rtmp-handshake-digest';
import type { RtmpHandshakeProgress } from './rtmp-handshake-types';
import { RtmpServerHandshake } from './rtmp-server-handshake';

function c0c1(version: number, digestScheme?: 0 | 1): { bytes: Buffer; c1: Buffer } {
  const c1 = randomBytes(1536);
  c1.writeUInt32BE(1234, 0);
  c1.writeUInt32BE(version, 4);
  if (digestScheme !== undefined) imprintRtmpDigest(c1, digestScheme, RTMP_FP_KEY_PARTIAL);
  return { bytes: Buffer.concat([Buffer.from([3]), c1]), c1 };
}

/** Runs a client and a server handshake against each other, optionally feeding one byte at a time. */
function handshakePair(client: RtmpClientHandshake, server: RtmpServerHandshake, byteByByte: boolean) {
  const feed = (push: (b: Buffer) => RtmpHandshakeProgress, bytes: Buffer): RtmpHandshakeProgress[] => {
    if (!byteByByte) return [push(bytes)];
    return [...bytes].map((b) => push(Buffer.from([b])));
  };
  const serverSteps = feed((b) => server.push(b), client.start());
  const s0s1s2 = Buffer.concat(serverSteps.map((s) => s.output ?? Buffer.alloc(0)));
  const clientSteps = feed((b) => client.push(b), s0s1s2);
  const clientDone = clientSteps[clientSteps.length - 1] as RtmpHandshakeProgress;
  if (!clientDone.done || !clientDone.output) throw new Error('client did not finish');
  const trailer = Buffer.from('chunk-stream-bytes');
  const serverDone = server.push(Buffer.concat([clientDone.output, trailer]));
  return { clientDone, serverDone, trailer };
}

describe('RtmpServerHandshake', () => {
  it('answers a zero-version C1 with the simple handshake: S2 echoes C1', () => {
    const server = new RtmpServerHandshake();
    const { bytes, c1 } = c0c1(0);
    const step = server.push(bytes);
    expect(step.done).toBe(false);
    const out = step.output as Buffer;
    expect(out).toHaveLength(1 + 1536 * 2);
    expect(out[0]).toBe(3);
    expect(out.readUInt32BE(1 + 4)).toBe(0); // S1 version zero
    expect(out.subarray(1 + 1536).equals(c1)).toBe(true);
  });

  it.each([0, 1] as const)('answers a digest C1 (scheme %i) with digest S1/S2 that a verifying client accepts', (scheme) => {
    const client = new RtmpClientHandshake({ mode: 'digest', digestScheme: scheme });
    const server = new RtmpServerHandshake();
    const { clientDone, serverDone } = handshakePair(client, server, false);
    expect(clientDone.done && clientDone.result).toMatchObject({ mode: 'digest', digestScheme: scheme, peerVersion: '13.14.10.13' });
    expect(serverDone.done && serverDone.result).toMatchObject({ mode: 'digest', digestScheme: scheme, peerVersion: '9.0.124.2' });
  });

  it('completes the simple handshake with our client and hands over bytes that follow C2', () => {
    const { serverDone, trailer } = handshakePair(new RtmpClientHandshake(), new RtmpServerHandshake(), false);
    expect(serverDone.done).toBe(true);
    if (!serverDone.done) return;
    expect(serverDone.result.mode).toBe('simple');
    expect(serverDone.remainder.equals(trailer)).toBe(true);
  });

  it('works when every byte arrives in its own TCP read', () => {
    const { serverDone } = handshakePair(new RtmpClientHandshake({ mode: 'digest' }), new RtmpServerHandshake(), true);
    expect(serverDone.done && serverDone.result.mode).toBe('digest');
  });

  it('falls back to the simple handshake when C1 has a version but no valid digest', () => {
    const server = new RtmpServerHandshake();
    const { bytes, c1 } = c0c1(0x09007c02);
    const out = server.push(bytes).output as Buffer;
    expect(out.subarray(1 + 1536).equals(c1)).toBe(true);
    const done = server.push(randomBytes(1536));
    expect(done.done && done.result).toMatchObject({ mode: 'simple', peerVersion: '9.0.124.2', peerTime: 1234 });
  });

  it('does not verify C2, because FFmpeg and librtmp publishers echo S1 instead of signing it', () => {
    const server = new RtmpServerHandshake();
    server.push(c0c1(0x09007c02, 0).bytes);
    expect(server.push(randomBytes(1536)).done).toBe(true);
  });

  it('rejects a non-RTMP first byte as soon as it arrives', () => {
    const server = new RtmpServerHandshake();
    expect(() => server.push(Buffer.from('GET / HTTP/1.1\r\n'))).toThrow(RtmpHandshakeError);
  });

  it('rejects RTMPE with a specific message', () => {
    expect(() => new RtmpServerHandshake().push(Buffer.from([6]))).toThrow(/RTMPE/);
  });

  it('refuses input after completion, since later bytes belong to the chunk stream', () => {
    const server = new RtmpServerHandshake();
    handshakePair(new RtmpClientHandshake(), server, false);
    expect(server.isDone).toBe(true);
    expect(() => server.push(Buffer.from([1]))).toThrow(RtmpHandshakeError);
  });
});

describe('RtmpClientHandshake', () => {
  it('sends a zero version in simple mode and a digest in digest mode', () => {
    expect(new RtmpClientHandshake().start().readUInt32BE(5)).toBe(0);
    const digest = new RtmpClientHandshake({ mode: 'digest' }).start();
    expect(digest[0]).toBe(3);
    expect(digest.readUInt32BE(5)).toBe(0x09007c02);
  });

  it('rejects a server whose S2 does not answer our digest', () => {
    const client = new RtmpClientHandshake({ mode: 'digest' });
    client.start();
    const s1 = randomBytes(1536);
    s1.writeUInt32BE(0x0d0e0a0d, 4);
    imprintRtmpDigest(s1, 0, Buffer.from('Genuine Adobe Flash Media Server 001', 'latin1'));
    expect(() => client.push(Buffer.concat([Buffer.from([3]), s1, randomBytes(1536)]))).toThrow(/S2/);
  });

  it('rejects a simple-mode server that does not echo C1', () => {
    const client = new RtmpClientHandshake();
    client.start();
    expect(() => client.push(Buffer.concat([Buffer.from([3]), Buffer.alloc(1536), randomBytes(1536)]))).toThrow(RtmpHandshakeError);
  });
});
