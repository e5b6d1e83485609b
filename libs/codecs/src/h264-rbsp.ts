const EMULATION_PATTERN = Buffer.from([0, 0, 3]);

/**
 * Strips emulation-prevention bytes (the 0x03 in 0x00 0x00 0x03) to turn
 * NAL unit payload bytes into the RBSP the syntax is defined on.
 *
 * The output is never longer than the input, so the single allocation is
 * bounded by whatever limit the caller applied to the NAL unit.
 */
export function removeEmulationPrevention(bytes: Buffer): Buffer {
  // Fast path: most parameter sets contain no 00 00 03 at all.
  if (bytes.indexOf(EMULATION_PATTERN) < 0) return bytes;
  const out = Buffer.allocUnsafe(bytes.length);
  let written = 0;
  let zeros = 0;
  for (const byte of bytes) {
    if (zeros >= 2 && byte === 0x03) {
      zeros = 0;
      continue;
    }
    out[written++] = byte;
    zeros = byte === 0 ? zeros + 1 : 0;
  }
  return out.subarray(0, written);
}
