import { createCipheriv, createSecretKey, type KeyObject } from 'node:crypto';

/** RFC 7714 §8.1: the IV is 2 zero bytes, SSRC, ROC and sequence number (96 bits), XORed with the session salt. */
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * SRTP with AEAD_AES_128_GCM (RFC 7714) for one RTP sender: seals a packet
 * from its header and payload bytes with a session's key and salt (derived
 * by whoever ran DTLS). The result is in three parts, header, ciphertext and
 * tag, for a scatter-gather send: no buffer is joined. The key is held as a
 * KeyObject, so no cipher setup re-imports it.
 */
export class SrtpGcmSealer {
  private readonly key: KeyObject;
  private readonly salt: Buffer;

  constructor(sessionKey: Buffer, sessionSalt: Buffer) {
    if (sessionKey.length !== 16 || sessionSalt.length < IV_BYTES)
      throw new RangeError('AES-128-GCM SRTP needs a 16-byte session key and a 12-byte session salt');
    this.key = createSecretKey(sessionKey);
    this.salt = Buffer.from(sessionSalt.subarray(0, IV_BYTES));
  }

  seal(header: Buffer, payload: Buffer, ssrc: number, sequenceNumber: number, rolloverCounter: number): [Buffer, Buffer, Buffer] {
    const iv = Buffer.allocUnsafe(IV_BYTES);
    iv.writeUInt16BE(0, 0);
    iv.writeUInt32BE(ssrc >>> 0, 2);
    iv.writeUInt32BE(rolloverCounter >>> 0, 6);
    iv.writeUInt16BE(sequenceNumber & 0xffff, 10);
    for (let i = 0; i < IV_BYTES; i++) iv[i]! ^= this.salt[i]!;
    const cipher = createCipheriv('aes-128-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(header);
    const ciphertext = cipher.update(payload);
    cipher.final();
    return [header, ciphertext, cipher.getAuthTag()];
  }
}
