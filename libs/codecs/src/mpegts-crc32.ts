/**
 * CRC-32/MPEG-2 (polynomial 0x04C11DB7, MSB first, init 0xFFFFFFFF, no final
 * XOR) as used by PSI sections (PAT/PMT). A section including its CRC field
 * checks to 0.
 */
const TABLE = ((): Uint32Array => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    table[i] = c >>> 0;
  }
  return table;
})();

export function mpegTsCrc32(data: Uint8Array, start = 0, end = data.length): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) {
    crc = ((crc << 8) ^ (TABLE[((crc >>> 24) ^ (data[i] as number)) & 0xff] as number)) >>> 0;
  }
  return crc >>> 0;
}
