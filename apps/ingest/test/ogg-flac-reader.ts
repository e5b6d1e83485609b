/** A FLAC stream read out of Ogg (FFmpeg's `-c:a flac -f ogg`): its header once, then each frame with its start. */
export type OggFlacItem = { kind: 'header'; header: Buffer; sampleRate: number } | { kind: 'frame'; frame: Buffer; startMs: number };

const PAGE_HEADER_BYTES = 27;
const OGG_CAPTURE = Buffer.from('OggS', 'latin1');
/** The first packet of FLAC-in-Ogg: 0x7F 'FLAC', version (2), header packet count (2), then the stream's 'fLaC' + STREAMINFO. */
const FLAC_MAPPING_PREFIX = Buffer.from([0x7f, ...Buffer.from('FLAC', 'latin1')]);
const FLAC_MAPPING_HEADER_BYTES = 9;
const LAST_METADATA_BLOCK = 0x80;

/**
 * Test-side reader of FLAC-in-Ogg (the Xiph mapping FFmpeg writes), for a
 * publisher that sends E-RTMP 'fLaC': Debian's FFmpeg 5.1 cannot put FLAC in
 * MPEG-TS or FLV. Pages are taken apart by their lacing; the mapping packet
 * and the metadata packets after it make the stream header ('fLaC' + every
 * metadata block, the last one flagged), every later packet is one frame,
 * timed from the pages' granule positions (samples). Not for untrusted
 * input: it reads what our own FFmpeg wrote.
 */
export class OggFlacReader {
  private pending = Buffer.alloc(0);
  private packet: Buffer[] = [];
  private headerParts: Buffer[] | undefined;
  private headerPacketsLeft = -1;
  private sampleRate = 0;
  private samplesBefore = 0;

  push(chunk: Buffer): OggFlacItem[] {
    this.pending = Buffer.concat([this.pending, chunk]);
    const out: OggFlacItem[] = [];
    for (;;) {
      if (this.pending.length < PAGE_HEADER_BYTES) break;
      if (!this.pending.subarray(0, 4).equals(OGG_CAPTURE)) throw new Error('not an Ogg page');
      const segments = this.pending[26] as number;
      const lacing = this.pending.subarray(PAGE_HEADER_BYTES, PAGE_HEADER_BYTES + segments);
      if (lacing.length < segments) break;
      const bodyBytes = lacing.reduce((sum, n) => sum + n, 0);
      const pageEnd = PAGE_HEADER_BYTES + segments + bodyBytes;
      if (this.pending.length < pageEnd) break;
      const granule = Number(this.pending.readBigInt64LE(6));
      const completed: Buffer[] = [];
      let p = PAGE_HEADER_BYTES + segments;
      for (const n of lacing) {
        this.packet.push(this.pending.subarray(p, p + n));
        p += n;
        if (n < 255) {
          completed.push(Buffer.concat(this.packet));
          this.packet = [];
        }
      }
      this.pending = this.pending.subarray(pageEnd);
      out.push(...this.onPackets(completed, granule));
    }
    return out;
  }

  private onPackets(packets: Buffer[], granule: number): OggFlacItem[] {
    const out: OggFlacItem[] = [];
    const frames: Buffer[] = [];
    for (const packet of packets) {
      if (this.headerPacketsLeft === -1) {
        if (!packet.subarray(0, 5).equals(FLAC_MAPPING_PREFIX)) throw new Error('the first Ogg packet is not a FLAC mapping header');
        // 'fLaC' + STREAMINFO block follow the mapping's own 9 bytes.
        this.headerParts = [packet.subarray(FLAC_MAPPING_HEADER_BYTES)];
        this.headerPacketsLeft = packet.readUInt16BE(7);
        const info = packet.subarray(FLAC_MAPPING_HEADER_BYTES + 8);
        this.sampleRate = info.readUInt32BE(10) >>> 12;
      } else if (this.headerPacketsLeft > 0) {
        this.headerParts?.push(packet);
        this.headerPacketsLeft--;
      } else {
        frames.push(packet);
      }
      if (this.headerPacketsLeft === 0 && this.headerParts) {
        const header = Buffer.concat(this.headerParts);
        markLastBlock(header);
        out.push({ kind: 'header', header, sampleRate: this.sampleRate });
        this.headerParts = undefined;
      }
    }
    // The granule is the sample count at the end of the page's last frame: spread the page's frames evenly before it.
    if (frames.length > 0) {
      const step = (granule - this.samplesBefore) / frames.length;
      frames.forEach((frame, i) => out.push({ kind: 'frame', frame, startMs: ((this.samplesBefore + i * step) * 1000) / this.sampleRate }));
      this.samplesBefore = granule;
    }
    return out;
  }
}

/** Sets the last-block flag on the header's final metadata block (the mapping packet's STREAMINFO may lack it). */
function markLastBlock(header: Buffer): void {
  let p = 4; // after 'fLaC'
  let last = p;
  while (p + 4 <= header.length) {
    last = p;
    p += 4 + header.readUIntBE(p + 1, 3);
  }
  header[last] = (header[last] as number) | LAST_METADATA_BLOCK;
}
