import { VideoParseError } from './codec-errors';
import { DEFAULT_MAX_NALUS } from './avc-nalus';

/**
 * Splits an Annex B byte stream (H.264/HEVC as carried in MPEG-TS) into NAL
 * units without their start codes. Accepts 3- and 4-byte start codes; bytes
 * before the first start code are ignored (they belong to no NAL unit) and
 * trailing zero bytes of each NAL unit (trailing_zero_8bits) are trimmed.
 *
 * Returns zero-copy views of `data`. More than `maxNalus` NAL units throws
 * VideoParseError, so a payload of back-to-back start codes cannot make us
 * allocate millions of views.
 */
export function splitAnnexBNalus(data: Buffer, maxNalus: number = DEFAULT_MAX_NALUS): Buffer[] {
  const nalus: Buffer[] = [];
  let start = -1;
  let i = 0;
  const n = data.length;
  while (i + 2 < n) {
    // Start code 00 00 01: skip quickly over bytes that cannot start one.
    if (data[i + 2] as number > 1) {
      i += 3;
      continue;
    }
    if (data[i] === 0 && data[i + 1] === 0 && data[i + 2] === 1) {
      if (start >= 0) pushNalu(nalus, data, start, i, maxNalus);
      i += 3;
      start = i;
      continue;
    }
    i++;
  }
  if (start >= 0) pushNalu(nalus, data, start, n, maxNalus);
  return nalus;
}

function pushNalu(nalus: Buffer[], data: Buffer, start: number, end: number, maxNalus: number): void {
  let e = end;
  while (e > start && data[e - 1] === 0) e--;
  if (e <= start) return;
  if (nalus.length >= maxNalus) throw new VideoParseError(`Annex B data holds more than maxNalus ${maxNalus} NAL units`);
  nalus.push(data.subarray(start, e));
}
