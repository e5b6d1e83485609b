/** The framed form of each payload, so a batch shared by N viewers is framed once. */
const framed = new WeakMap<Buffer, Buffer>();

/**
 * An unmasked, final, binary WebSocket frame (RFC 6455 §5.2) around
 * `payload`: what a server sends. Cached per payload buffer: the hub hands
 * every up-to-date viewer the same batch buffer, so the copy happens once.
 */
export function wsBinaryFrame(payload: Buffer): Buffer {
  const cached = framed.get(payload);
  if (cached) return cached;
  const header = wsBinaryFrameHeader(payload.length);
  const frame = Buffer.allocUnsafe(header.length + payload.length);
  header.copy(frame, 0);
  payload.copy(frame, header.length);
  framed.set(payload, frame);
  return frame;
}

/** The 2, 4 or 10 header bytes of an unmasked, final, binary frame carrying `length` payload bytes. */
export function wsBinaryFrameHeader(length: number): Buffer {
  const header = Buffer.allocUnsafe(length < 126 ? 2 : length <= 0xffff ? 4 : 10);
  header[0] = 0x82; // FIN + opcode 2 (binary)
  if (length < 126) {
    header[1] = length;
  } else if (length <= 0xffff) {
    header[1] = 126;
    header.writeUInt16BE(length, 2);
  } else {
    header[1] = 127;
    header.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    header.writeUInt32BE(length >>> 0, 6);
  }
  return header;
}
