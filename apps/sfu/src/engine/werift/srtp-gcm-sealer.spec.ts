import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { ProtectionProfileAeadAes128Gcm, RtpHeader, SrtpSession } from 'werift';
import { encodeRtpHeader } from '@mediaplane/codecs';
import { SrtpGcmSealer } from './srtp-gcm-sealer';

/** Two ends of one SRTP session pair, as DTLS would key them: what one sends, the other decrypts. */
function sessionPair(): { sender: SrtpSession; receiver: SrtpSession } {
  const [keyA, saltA, keyB, saltB] = [randomBytes(16), randomBytes(12), randomBytes(16), randomBytes(12)];
  const profile = ProtectionProfileAeadAes128Gcm;
  return {
    sender: new SrtpSession({ keys: { localMasterKey: keyA, localMasterSalt: saltA, remoteMasterKey: keyB, remoteMasterSalt: saltB }, profile }),
    receiver: new SrtpSession({ keys: { localMasterKey: keyB, localMasterSalt: saltB, remoteMasterKey: keyA, remoteMasterSalt: saltA }, profile }),
  };
}

function sealerOf(session: SrtpSession): SrtpGcmSealer {
  const cipher = (session.localContext as unknown as { cipher: { srtpSessionKey: Buffer; srtpSessionSalt: Buffer } }).cipher;
  return new SrtpGcmSealer(cipher.srtpSessionKey, cipher.srtpSessionSalt);
}

describe('SrtpGcmSealer', () => {
  it("seals byte for byte as werift's AES-GCM cipher does, for any header, payload and rollover count", () => {
    const { sender } = sessionPair();
    const sealer = sealerOf(sender);
    const cipher = (sender.localContext as unknown as { cipher: { encryptRtp(header: RtpHeader, payload: Buffer, roc: number): Buffer } }).cipher;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.uint8Array({ maxLength: 1400 }),
        fc.boolean(),
        (ssrc, sequenceNumber, rolloverCounter, payloadBytes, withExtension) => {
          const payload = Buffer.from(payloadBytes);
          const extensions = withExtension ? [{ id: 1, data: Buffer.from('0') }] : [];
          const header = encodeRtpHeader({ payloadType: 96, marker: false, sequenceNumber, timestamp: 1234, ssrc, extensions });
          const ours = Buffer.concat(sealer.seal(header, payload, ssrc, sequenceNumber, rolloverCounter));
          const theirs = cipher.encryptRtp(RtpHeader.deSerialize(header), payload, rolloverCounter);
          expect(ours.equals(theirs)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('gives packets the receiving end of the session decrypts and authenticates', () => {
    const { sender, receiver } = sessionPair();
    const sealer = sealerOf(sender);
    const payload = randomBytes(1100);
    const header = encodeRtpHeader({
      payloadType: 111,
      marker: true,
      sequenceNumber: 7,
      timestamp: 960,
      ssrc: 0xcafe,
      extensions: [{ id: 3, data: Buffer.from([1, 2, 3]) }],
    });
    const sealed = Buffer.concat(sealer.seal(header, payload, 0xcafe, 7, 0));
    expect(receiver.decrypt(sealed).equals(Buffer.concat([header, payload]))).toBe(true);
    sealed[sealed.length - 1]! ^= 1;
    expect(() => receiver.decrypt(sealed)).toThrow();
  });

  it('refuses keys that are not AES-128-GCM SRTP session keys', () => {
    expect(() => new SrtpGcmSealer(randomBytes(32), randomBytes(12))).toThrow(RangeError);
    expect(() => new SrtpGcmSealer(randomBytes(16), randomBytes(8))).toThrow(RangeError);
  });
});
