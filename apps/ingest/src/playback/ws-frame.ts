/**
 * An unmasked, final, binary WebSocket frame (RFC 6455 §5.2) around
 * `payload`: what a server sends.
 */
export function wsBinaryFrame(payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(wsBinaryFrameHeaderLength(payload.length) + payload.length);
  payload.copy(frame, writeWsBinaryFrameHeader(frame, 0, payload.length));
  return frame;
}

/** Bytes of the header of an unmasked binary frame carrying `length` payload bytes: 2, 4 or 10. */
export function wsBinaryFrameHeaderLength(length: number): number {
  return length < 126 ? 2 : length <= 0xffff ? 4 : 10;
}

/** Writes that header at `offset` of `target`; returns the offset after it, where the payload goes. */
export function writeWsBinaryFrameHeader(target: Buffer, offset: number, length: number): number {
  target[offset] = 0x82; // FIN + opcode 2 (binary)
  if (length < 126) {
    target[offset + 1] = length;
    return offset + 2;
  }
  if (length <= 0xffff) {
    target[offset + 1] = 126;
    return target.writeUInt16BE(length, offset + 2);
  }
  target[offset + 1] = 127;
  target.writeUInt32BE(Math.floor(length / 2 ** 32), offset + 2);
  return target.writeUInt32BE(length >>> 0, offset + 6);
}
