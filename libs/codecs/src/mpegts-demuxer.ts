import { parseAdtsHeader } from './aac-adts-header';
import { AC3_HEADER_READ_BYTES, AC3_MAX_FRAME_BYTES, AC3_SYNC_WORD, parseAc3SyncFrameHeader } from './ac3-sync-frame';
import { splitAnnexBNalus } from './annexb-nalus';
import { CodecError, MpegTsDemuxError } from './codec-errors';
import { H264NaluType, h264NaluType } from './avc-nalus';
import { hevcNaluType, isHevcIrap } from './hevc-nalus';
import { mpegTsCrc32 } from './mpegts-crc32';
import {
  MPEGTS_AC3_DESCRIPTOR,
  MPEGTS_EAC3_DESCRIPTOR,
  MPEGTS_EXTENSION_DESCRIPTOR,
  MPEGTS_NULL_PID,
  MPEGTS_OPUS_EXTENSION_TAG,
  MPEGTS_PACKET_SIZE,
  MPEGTS_PAT_PID,
  MPEGTS_REGISTRATION_DESCRIPTOR,
  MPEGTS_SYNC_BYTE,
  MPEGTS_TICKS_PER_MS,
  MpegTsStreamType,
} from './mpegts-constants';
import { MpegTsTimeline } from './mpegts-timeline';
import { opusPacketSamples } from './opus-packet';

export type MpegTsCodec = 'h264' | 'hevc' | 'aac' | 'opus' | 'ac3' | 'eac3';

/** One elementary access unit out of the demuxer. */
export interface MpegTsAccessUnit {
  codec: MpegTsCodec;
  /** Elementary stream PID it came from (several audio tracks are told apart by it). */
  pid: number;
  /** Decode time on the demuxer's continuous timeline (see MpegTsTimeline); fractional ms, monotonic per PID. */
  dtsMs: number;
  /** Presentation time, >= dtsMs. */
  ptsMs: number;
  /** Video: the AU holds an IDR (H.264) or IRAP (HEVC) picture. Audio: always true. */
  keyframe: boolean;
  /**
   * h264/hevc: one Annex-B access unit; aac: one raw AAC frame (ADTS header stripped); opus: one packet;
   * ac3: one sync frame; eac3: an independent sync frame with the dependent ones that follow it.
   */
  data: Buffer;
  aac?: { audioObjectType: number; sampleRate: number; channels: number };
  /** Channel count from the PMT's Opus extension descriptor (2 when absent, as FFmpeg assumes). */
  opus?: { channels: number };
  /** From the (first) sync frame's header. */
  ac3?: { sampleRate: number; channels: number };
}

export interface MpegTsLimits {
  /** Bytes skipped in a row while looking for two sync bytes 188 apart before the input is declared not MPEG-TS. */
  maxResyncBytes: number;
  /** Largest PES packet (header + payload) reassembled; bigger ones are discarded and counted as dropped bytes. */
  maxPesBytes: number;
  /** Oversized PES packets in a row (without a good one between) before the input is declared hostile. */
  maxOversizedPes: number;
  /** A forward DTS or PCR step larger than this (or a DTS step back over 1 s) is a discontinuity: the timeline is re-based. */
  maxTimestampJumpMs: number;
  /** Supported elementary streams tracked from one PMT; further ones are ignored. */
  maxElementaryStreams: number;
  /** Audio frames (ADTS / AC-3 sync frames / Opus packets) taken from one PES; the rest is dropped. */
  maxFramesPerPes: number;
}

export const DEFAULT_MPEGTS_LIMITS: Readonly<MpegTsLimits> = Object.freeze({
  // 64 KiB ≈ 350 packets: far more than any real garbage between packets, small enough to fail fast on non-TS input.
  maxResyncBytes: 64 * 1024,
  // A 4K intra frame at high bitrate stays well below this.
  maxPesBytes: 8 * 1024 * 1024,
  maxOversizedPes: 4,
  maxTimestampJumpMs: 10_000,
  maxElementaryStreams: 8,
  maxFramesPerPes: 512,
});

export interface MpegTsDemuxStats {
  /** 188-byte packets read. */
  packets: number;
  /** continuity_counter gaps; each discards the PES in progress on that PID. */
  continuityErrors: number;
  /** Time-base re-bases (discontinuity_indicator, PCR or DTS jumps over the bound). */
  discontinuities: number;
  /** Bytes skipped while (re)synchronising plus payload bytes of discarded PES packets and unparseable audio. */
  droppedBytes: number;
}

/** Largest PSI section (PAT/PMT section_length is at most 1021, plus the 3-byte header). */
const MAX_SECTION_BYTES = 1024;
const TABLE_ID_PAT = 0x00;
const TABLE_ID_PMT = 0x02;
/** PES stream_ids without the optional PES header (13818-1 Table 2-22): never media here. */
const NO_HEADER_STREAM_IDS = new Set([0xbc, 0xbe, 0xbf, 0xf0, 0xf1, 0xf2, 0xf8, 0xff]);
/** ADTS frames are at most 13 bits long; a partial one is carried into the next PES. */
const MAX_ADTS_CARRY = 0x1fff;

/** One self-delimiting audio frame found in a PES payload (see SyncFramedAudio). */
interface SyncFrame {
  /** Bytes from the frame's first to the next frame's. */
  length: number;
  durationMs: number;
  /** The access unit's codec-specific part, or undefined when it cannot be carried (counted as dropped). */
  unit: Pick<MpegTsAccessUnit, 'codec' | 'data' | 'aac' | 'ac3'> | undefined;
}

/** How a sync-word framed audio stream (ADTS AAC, AC-3, E-AC-3) is split into frames. */
interface SyncFramedAudio {
  /** First byte of the sync word: where the search for the next frame stops after garbage. */
  syncByte: number;
  /** Fewer bytes than this at the end may be a header split across PES packets. */
  headerBytes: number;
  /** Longest partial frame carried into the next PES. */
  maxCarry: number;
  /** The frame at `p`, undefined when there is none. */
  frameAt(data: Buffer, p: number): SyncFrame | undefined;
}

const ADTS_FRAMING: SyncFramedAudio = {
  syncByte: 0xff,
  headerBytes: 7,
  maxCarry: MAX_ADTS_CARRY,
  frameAt(data, p) {
    const h = parseAdtsHeader(data, p);
    if (h === undefined) return undefined;
    const durationMs = (1024 * 1000) / h.sampleRate;
    // Several raw blocks per ADTS frame, or a channel layout only a PCE describes: FLV cannot carry it as one frame.
    if (h.rawDataBlocks !== 1 || h.channelConfiguration === 0) return { length: h.frameLength, durationMs, unit: undefined };
    return {
      length: h.frameLength,
      durationMs,
      unit: {
        codec: 'aac',
        data: data.subarray(p + h.headerLength, p + h.frameLength),
        aac: { audioObjectType: h.objectType, sampleRate: h.sampleRate, channels: h.channelConfiguration === 7 ? 8 : h.channelConfiguration },
      },
    };
  },
};

/** E-AC-3 carries at most 8 dependent substreams (substreamid is 3 bits). */
const EAC3_MAX_DEPENDENT_FRAMES = 8;

/**
 * AC-3 and E-AC-3: one sync frame per access unit, except that an E-AC-3
 * independent frame takes the dependent frames after it along (7.1 comes as
 * 5.1 plus a dependent substream; one decodes only with the other).
 */
function ac3Framing(codec: 'ac3' | 'eac3'): SyncFramedAudio {
  return {
    syncByte: AC3_SYNC_WORD >> 8,
    headerBytes: AC3_HEADER_READ_BYTES,
    maxCarry: AC3_MAX_FRAME_BYTES * 2,
    frameAt(data, p) {
      const h = parseAc3SyncFrameHeader(data, p);
      if (h === undefined || h.frameBytes < AC3_HEADER_READ_BYTES) return undefined;
      const durationMs = (h.samples * 1000) / h.sampleRate;
      // A stray dependent frame, or the other syntax than the PMT announced: nothing to decode it with.
      if (h.codec !== codec || h.streamType === 1) return { length: h.frameBytes, durationMs, unit: undefined };
      let length = h.frameBytes;
      // A hostile chain of "dependent" frames stops where a real stream's would.
      for (let dependents = 0; dependents < EAC3_MAX_DEPENDENT_FRAMES; dependents++) {
        const next = parseAc3SyncFrameHeader(data, p + length);
        if (next?.codec !== 'eac3' || next.streamType !== 1 || next.frameBytes < AC3_HEADER_READ_BYTES) break;
        length += next.frameBytes;
      }
      return { length, durationMs, unit: { codec, data: data.subarray(p, p + length), ac3: { sampleRate: h.sampleRate, channels: h.channels } } };
    },
  };
}
const AC3_FRAMING = ac3Framing('ac3');
const EAC3_FRAMING = ac3Framing('eac3');

interface SectionAssembler {
  parts: Buffer[];
  size: number;
  need: number;
}

interface ElementaryStream {
  pid: number;
  codec: MpegTsCodec;
  streamType: number;
  opusChannels: number;
  lastCc: number | undefined;
  /** Copies of the payloads of the PES in progress (copies: a view would pin the whole input chunk). */
  parts: Buffer[];
  size: number;
  /** Whole PES size from PES_packet_length, 0 when unbounded (video). */
  expected: number;
  /** A PES is being collected (false: waiting for the next payload_unit_start). */
  active: boolean;
  /** Bytes of an ADTS frame split across PES packets. */
  carry: Buffer | undefined;
  /** DTS (ms) the carried ADTS frame started at. */
  carryMs: number;
  lastDtsMs: number | undefined;
}

interface PsiState {
  assembler: SectionAssembler | undefined;
  lastCc: number | undefined;
}

/**
 * Demultiplexes an untrusted MPEG-TS byte stream (any chunking) into
 * elementary access units: H.264, HEVC, ADTS AAC and Opus of the first
 * program in the PAT.
 *
 * Damage it recovers from, counted in `stats`: lost sync (re-locked on two
 * 0x47 bytes 188 apart), continuity-counter gaps (the broken PES is
 * discarded, never passed on half), bad PSI CRCs (section ignored), broken
 * PES headers, timestamp wraps and discontinuities (see MpegTsTimeline).
 * Damage it does not recover from throws MpegTsDemuxError: no sync within
 * `maxResyncBytes`, `maxOversizedPes` over-limit PES packets in a row.
 *
 * Memory is bounded by maxPesBytes per elementary stream (at most
 * maxElementaryStreams of them), one partial packet and one PSI section
 * per PSI PID.
 */
export class MpegTsDemuxer {
  readonly limits: Readonly<MpegTsLimits>;
  readonly stats: MpegTsDemuxStats = { packets: 0, continuityErrors: 0, discontinuities: 0, droppedBytes: 0 };

  private pending: Buffer | undefined;
  private synced = false;
  private skippedInRow = 0;
  private oversizedInRow = 0;
  private pmtPid: number | undefined;
  private programNumber: number | undefined;
  /** CRC of the PMT section in force: a changed PMT is applied even if an encoder restart reused its version number. */
  private pmtCrc: number | undefined;
  private pcrPid: number | undefined;
  private lastPcrTicks: number | undefined;
  private readonly psi = new Map<number, PsiState>();
  private readonly streams = new Map<number, ElementaryStream>();
  private readonly timeline: MpegTsTimeline;
  private out: MpegTsAccessUnit[] = [];

  constructor(limits: Partial<MpegTsLimits> = {}) {
    this.limits = Object.freeze({ ...DEFAULT_MPEGTS_LIMITS, ...limits });
    this.timeline = new MpegTsTimeline(this.limits.maxTimestampJumpMs);
    this.psi.set(MPEGTS_PAT_PID, { assembler: undefined, lastCc: undefined });
  }

  /** Reads `chunk` and returns the access units it completed. Throws MpegTsDemuxError on fatal input. */
  push(chunk: Buffer): MpegTsAccessUnit[] {
    this.out = [];
    const buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = undefined;
    let pos = 0;
    while (pos < buf.length) {
      if (!this.synced) {
        const found = this.findSync(buf, pos);
        this.skip(found - pos);
        pos = found;
        if (pos >= buf.length) break;
        if (pos + MPEGTS_PACKET_SIZE >= buf.length) break; // need the next sync byte to confirm
        this.synced = true;
      }
      if (buf.length - pos < MPEGTS_PACKET_SIZE) break;
      if (buf[pos] !== MPEGTS_SYNC_BYTE) {
        this.synced = false;
        continue;
      }
      this.skippedInRow = 0;
      this.readPacket(buf.subarray(pos, pos + MPEGTS_PACKET_SIZE));
      pos += MPEGTS_PACKET_SIZE;
    }
    // At most one packet plus its confirming sync byte stays buffered (copied: `chunk` may be reused by the caller).
    if (pos < buf.length) this.pending = Buffer.from(buf.subarray(pos));
    this.updateStats();
    return this.out;
  }

  /** End of input: emits PES packets still open (an unbounded one whose last packet was not stuffed ends only at the next one). */
  flush(): MpegTsAccessUnit[] {
    this.out = [];
    for (const es of this.streams.values()) {
      if (es.active) this.completePes(es);
      if (es.carry) this.stats.droppedBytes += es.carry.length;
      es.carry = undefined;
    }
    if (this.pending) this.stats.droppedBytes += this.pending.length;
    this.pending = undefined;
    this.updateStats();
    return this.out;
  }

  private updateStats(): void {
    this.stats.discontinuities = this.timeline.discontinuities;
  }

  /** Offset of the first 0x47 at or after `from` that is followed by another 188 bytes later (or by the end of input). */
  private findSync(buf: Buffer, from: number): number {
    let i = from;
    for (;;) {
      i = buf.indexOf(MPEGTS_SYNC_BYTE, i);
      if (i < 0) return buf.length;
      const next = i + MPEGTS_PACKET_SIZE;
      if (next >= buf.length || buf[next] === MPEGTS_SYNC_BYTE) return i;
      i++;
    }
  }

  private skip(n: number): void {
    if (n <= 0) return;
    this.stats.droppedBytes += n;
    this.skippedInRow += n;
    if (this.skippedInRow > this.limits.maxResyncBytes) {
      throw new MpegTsDemuxError(`no MPEG-TS sync within ${this.limits.maxResyncBytes} bytes: not an MPEG-TS stream`);
    }
  }

  private readPacket(pkt: Buffer): void {
    this.stats.packets++;
    const b1 = pkt[1] as number;
    const pid = ((b1 & 0x1f) << 8) | (pkt[2] as number);
    if (pid === MPEGTS_NULL_PID) return;
    const es = this.streams.get(pid);
    const psi = this.psi.get(pid);
    if (es === undefined && psi === undefined && pid !== this.pcrPid) return;

    if ((b1 & 0x80) !== 0) {
      // transport_error_indicator: the link layer says this packet is damaged.
      if (es) this.discardPes(es);
      if (psi) psi.assembler = undefined;
      return;
    }
    const b3 = pkt[3] as number;
    const adaptation = (b3 >> 4) & 0x03;
    const cc = b3 & 0x0f;
    if (adaptation === 0) return; // reserved
    let payloadStart = 4;
    let discontinuity = false;
    let stuffed = false;
    if ((adaptation & 0x02) !== 0) {
      const length = pkt[4] as number;
      if (length > 183) return;
      payloadStart = 5 + length;
      stuffed = hasStuffing(pkt, length);
      if (length > 0) {
        const flags = pkt[5] as number;
        discontinuity = (flags & 0x80) !== 0;
        if ((flags & 0x10) !== 0 && length >= 7 && pid === this.pcrPid) this.onPcr(pkt, discontinuity);
      }
    }
    if ((adaptation & 0x01) === 0) return;
    if (payloadStart >= MPEGTS_PACKET_SIZE) return;
    const state = es ?? psi;
    if (state === undefined) return;
    if (state.lastCc !== undefined && !discontinuity) {
      if (cc === state.lastCc) return; // a duplicate packet (allowed once by 13818-1): same payload again
      if (cc !== ((state.lastCc + 1) & 0x0f)) {
        this.stats.continuityErrors++;
        if (es) this.discardPes(es);
        if (psi) psi.assembler = undefined;
      }
    }
    state.lastCc = cc;
    if ((b3 & 0xc0) !== 0) {
      // Scrambled payload: we hold no keys, so it is as good as lost.
      if (es) this.discardPes(es);
      return;
    }
    const pusi = (b1 & 0x40) !== 0;
    const payload = pkt.subarray(payloadStart);
    if (es) this.onEsPayload(es, payload, pusi, stuffed);
    else if (psi) this.onPsiPayload(pid, psi, payload, pusi);
  }

  private onPcr(pkt: Buffer, discontinuity: boolean): void {
    // program_clock_reference_base: 33 bits at byte 6 (the 9-bit extension is irrelevant at ms resolution).
    const base =
      (pkt[6] as number) * 2 ** 25 + (pkt[7] as number) * 2 ** 17 + (pkt[8] as number) * 2 ** 9 + (pkt[9] as number) * 2 + ((pkt[10] as number) >> 7);
    const last = this.lastPcrTicks;
    this.lastPcrTicks = base;
    if (last === undefined) return;
    let step = (base - last) % 2 ** 33;
    if (step < 0) step += 2 ** 33;
    if (step >= 2 ** 32) step -= 2 ** 33;
    if (discontinuity || Math.abs(step) > this.limits.maxTimestampJumpMs * MPEGTS_TICKS_PER_MS) this.timeline.markDiscontinuity();
  }

  // --- PSI -----------------------------------------------------------------

  private onPsiPayload(pid: number, psi: PsiState, payload: Buffer, pusi: boolean): void {
    let p = 0;
    if (pusi) {
      const pointer = payload[0] as number;
      p = 1 + pointer;
      if (psi.assembler && p <= payload.length) this.appendSection(pid, psi, payload.subarray(1, p));
      psi.assembler = undefined;
    } else {
      if (psi.assembler) this.appendSection(pid, psi, payload);
      return;
    }
    while (p + 3 <= payload.length && payload[p] !== 0xff) {
      const total = 3 + ((((payload[p + 1] as number) & 0x0f) << 8) | (payload[p + 2] as number));
      if (total > MAX_SECTION_BYTES) return;
      if (p + total <= payload.length) {
        this.onSection(pid, payload.subarray(p, p + total));
        p += total;
      } else {
        const part = Buffer.from(payload.subarray(p));
        psi.assembler = { parts: [part], size: part.length, need: total };
        return;
      }
    }
  }

  private appendSection(pid: number, psi: PsiState, bytes: Buffer): void {
    const a = psi.assembler;
    if (a === undefined) return;
    const take = bytes.subarray(0, a.need - a.size);
    a.parts.push(Buffer.from(take));
    a.size += take.length;
    if (a.size >= a.need) {
      psi.assembler = undefined;
      this.onSection(pid, Buffer.concat(a.parts, a.size));
    }
  }

  private onSection(pid: number, section: Buffer): void {
    if (section.length < 12 || mpegTsCrc32(section) !== 0) return; // damaged: keep the tables we have
    const tableId = section[0] as number;
    if (((section[5] as number) & 0x01) === 0) return; // current_next_indicator 0: not yet applicable
    if (pid === MPEGTS_PAT_PID && tableId === TABLE_ID_PAT) this.onPat(section);
    else if (pid === this.pmtPid && tableId === TABLE_ID_PMT) this.onPmt(section);
  }

  private onPat(section: Buffer): void {
    const end = section.length - 4;
    for (let p = 8; p + 4 <= end; p += 4) {
      const program = section.readUInt16BE(p);
      const pid = section.readUInt16BE(p + 2) & 0x1fff;
      if (program === 0) continue; // network PID
      if (program === this.programNumber && pid === this.pmtPid) return;
      // First program: a new or changed program. Drop the old PMT and its streams; the new PMT rebuilds them.
      if (this.pmtPid !== undefined && this.pmtPid !== MPEGTS_PAT_PID) this.psi.delete(this.pmtPid);
      for (const es of this.streams.values()) this.removeStream(es);
      this.programNumber = program;
      this.pmtPid = pid;
      this.pmtCrc = undefined;
      this.pcrPid = undefined;
      if (pid !== MPEGTS_PAT_PID && pid !== MPEGTS_NULL_PID) this.psi.set(pid, { assembler: undefined, lastCc: undefined });
      return;
    }
  }

  private onPmt(section: Buffer): void {
    if (section.readUInt16BE(3) !== this.programNumber) return;
    const crc = section.readUInt32BE(section.length - 4);
    if (crc === this.pmtCrc) return;
    this.pmtCrc = crc;
    const pcrPid = section.readUInt16BE(8) & 0x1fff;
    if (pcrPid !== this.pcrPid) this.lastPcrTicks = undefined;
    this.pcrPid = pcrPid;
    const end = section.length - 4;
    let p = 12 + (section.readUInt16BE(10) & 0x0fff);
    const seen = new Set<number>();
    while (p + 5 <= end) {
      const streamType = section[p] as number;
      const pid = section.readUInt16BE(p + 1) & 0x1fff;
      const infoLength = section.readUInt16BE(p + 3) & 0x0fff;
      const info = section.subarray(p + 5, Math.min(end, p + 5 + infoLength));
      p += 5 + infoLength;
      const codec = codecOf(streamType, info);
      if (codec === undefined || pid === MPEGTS_PAT_PID || pid === this.pmtPid || pid === MPEGTS_NULL_PID || seen.has(pid)) continue;
      const existing = this.streams.get(pid);
      if (existing && existing.codec === codec && existing.streamType === streamType) {
        seen.add(pid);
        continue;
      }
      if (existing) this.removeStream(existing);
      if (this.streams.size >= this.limits.maxElementaryStreams) continue;
      seen.add(pid);
      this.streams.set(pid, {
        pid,
        codec,
        streamType,
        opusChannels: codec === 'opus' ? opusChannels(info) : 0,
        lastCc: undefined,
        parts: [],
        size: 0,
        expected: 0,
        active: false,
        carry: undefined,
        carryMs: 0,
        lastDtsMs: undefined,
      });
    }
    for (const es of this.streams.values()) if (!seen.has(es.pid)) this.removeStream(es);
  }

  private removeStream(es: ElementaryStream): void {
    this.discardPes(es);
    this.streams.delete(es.pid);
    this.timeline.forget(es.pid);
  }

  // --- PES -----------------------------------------------------------------

  /**
   * `stuffed`: the packet pads its adaptation field, which 13818-1 (2.4.3.5) has a PES-carrying
   * packet do only when the PES has no data left to fill it: this packet ends the PES. An unbounded
   * (video) PES then completes at once instead of when the next one starts, one frame later.
   */
  private onEsPayload(es: ElementaryStream, payload: Buffer, pusi: boolean, stuffed: boolean): void {
    if (pusi) {
      if (es.active) this.completePes(es);
      es.active = true;
      es.parts = [];
      es.size = 0;
      es.expected = payload.length >= 6 && payload.readUInt16BE(4) > 0 ? 6 + payload.readUInt16BE(4) : 0;
    } else if (!es.active) {
      this.stats.droppedBytes += payload.length; // the start of this PES was lost
      return;
    }
    if (es.size + payload.length > this.limits.maxPesBytes) {
      this.discardPes(es);
      this.stats.droppedBytes += payload.length;
      if (++this.oversizedInRow >= this.limits.maxOversizedPes) {
        throw new MpegTsDemuxError(`${this.oversizedInRow} PES packets in a row on PID ${es.pid} exceed maxPesBytes ${this.limits.maxPesBytes}`);
      }
      return;
    }
    es.parts.push(Buffer.from(payload));
    es.size += payload.length;
    if (es.expected > 0 ? es.size >= es.expected : stuffed) this.completePes(es);
  }

  private discardPes(es: ElementaryStream): void {
    if (es.active) this.stats.droppedBytes += es.size;
    es.active = false;
    es.parts = [];
    es.size = 0;
    es.expected = 0;
  }

  private completePes(es: ElementaryStream): void {
    const pes = Buffer.concat(es.parts, es.size);
    const expected = es.expected;
    es.active = false;
    es.parts = [];
    es.size = 0;
    es.expected = 0;
    if (expected > 0 && pes.length < expected) {
      this.stats.droppedBytes += pes.length; // ended early: truncated PES
      return;
    }
    const body = this.parsePes(es, expected > 0 ? pes.subarray(0, expected) : pes);
    if (body === undefined) {
      this.stats.droppedBytes += pes.length;
      return;
    }
    this.oversizedInRow = 0;
    try {
      this.emit(es, body.payload, body.dtsMs, body.ptsMs);
    } catch (e) {
      // A parser below rejected this access unit (e.g. too many NAL units): drop it, keep the stream.
      if (!(e instanceof CodecError)) throw e;
      this.stats.droppedBytes += body.payload.length;
    }
  }

  private parsePes(es: ElementaryStream, pes: Buffer): { payload: Buffer; dtsMs: number; ptsMs: number } | undefined {
    if (pes.length < 9 || pes[0] !== 0 || pes[1] !== 0 || pes[2] !== 1) return undefined;
    if (NO_HEADER_STREAM_IDS.has(pes[3] as number)) return undefined;
    if (((pes[6] as number) & 0xc0) !== 0x80) return undefined; // '10' marker bits
    const ptsDtsFlags = (pes[7] as number) >> 6;
    const headerEnd = 9 + (pes[8] as number);
    if (headerEnd > pes.length) return undefined;
    let times: { dtsMs: number; ptsMs: number };
    if (ptsDtsFlags === 2 || ptsDtsFlags === 3) {
      if (headerEnd < (ptsDtsFlags === 3 ? 19 : 14)) return undefined;
      const pts = readTimestamp(pes, 9);
      const dts = ptsDtsFlags === 3 ? readTimestamp(pes, 14) : pts;
      if (pts === undefined || dts === undefined) return undefined;
      times = this.timeline.map(es.pid, dts, pts);
    } else {
      // No timestamp (allowed when PES come more often than every 700 ms): continue from the PID's last one.
      const last = es.lastDtsMs ?? this.timeline.lastMs(es.pid);
      if (last === undefined) return undefined;
      times = { dtsMs: last, ptsMs: last };
    }
    return { payload: pes.subarray(headerEnd), ...times };
  }

  // --- access units --------------------------------------------------------

  private emit(es: ElementaryStream, payload: Buffer, dtsMs: number, ptsMs: number): void {
    switch (es.codec) {
      case 'h264':
      case 'hevc':
        this.emitVideo(es, payload, dtsMs, ptsMs);
        return;
      case 'aac':
        this.emitSyncFramed(es, payload, dtsMs, ADTS_FRAMING);
        return;
      case 'ac3':
        this.emitSyncFramed(es, payload, dtsMs, AC3_FRAMING);
        return;
      case 'eac3':
        this.emitSyncFramed(es, payload, dtsMs, EAC3_FRAMING);
        return;
      case 'opus':
        this.emitOpus(es, payload, dtsMs);
        return;
    }
  }

  private push1(es: ElementaryStream, au: MpegTsAccessUnit): void {
    // Never backwards per PID, whatever the timestamps of audio frames derived inside one PES say.
    if (es.lastDtsMs !== undefined && au.dtsMs < es.lastDtsMs) {
      // PTS = new DTS + the composition offset (≥ 0): `pts += shift` can round to 1 ulp below the new DTS.
      const compositionMs = au.ptsMs - au.dtsMs;
      au.dtsMs = es.lastDtsMs;
      au.ptsMs = au.dtsMs + compositionMs;
    }
    es.lastDtsMs = au.dtsMs;
    this.out.push(au);
  }

  private emitVideo(es: ElementaryStream, payload: Buffer, dtsMs: number, ptsMs: number): void {
    const nalus = splitAnnexBNalus(payload);
    if (nalus.length === 0) {
      this.stats.droppedBytes += payload.length;
      return;
    }
    const keyframe = es.codec === 'h264' ? nalus.some((n) => h264NaluType(n) === H264NaluType.Idr) : nalus.some((n) => isHevcIrap(hevcNaluType(n)));
    this.push1(es, { codec: es.codec, pid: es.pid, dtsMs, ptsMs, keyframe, data: payload });
  }

  /** Splits a PES payload into sync frames, carrying a frame split across PES packets into the next one. */
  private emitSyncFramed(es: ElementaryStream, payload: Buffer, pesDtsMs: number, framing: SyncFramedAudio): void {
    let data = payload;
    let p = 0;
    let t = pesDtsMs;
    if (es.carry) {
      // The first bytes finish a frame that started in the previous PES; its time was set there.
      data = Buffer.concat([es.carry, payload]);
      t = es.carryMs;
      es.carry = undefined;
    }
    const carried = data.length - payload.length;
    let frames = 0;
    let pesTimeUsed = false;
    while (p < data.length) {
      const frame = framing.frameAt(data, p);
      if (frame === undefined) {
        if (data.length - p < framing.headerBytes && data[p] === framing.syncByte) break; // a header split across PES
        const next = data.indexOf(framing.syncByte, p + 1);
        const skipTo = next < 0 ? data.length : next;
        this.stats.droppedBytes += skipTo - p;
        p = skipTo;
        continue;
      }
      if (p + frame.length > data.length) break;
      if (p >= carried && !pesTimeUsed) {
        t = pesDtsMs; // the PES time belongs to the first frame that starts in this PES
        pesTimeUsed = true;
      }
      if (++frames > this.limits.maxFramesPerPes || frame.unit === undefined) this.stats.droppedBytes += frame.length;
      else this.push1(es, { ...frame.unit, pid: es.pid, dtsMs: t, ptsMs: t, keyframe: true });
      t += frame.durationMs;
      p += frame.length;
    }
    if (p < data.length) {
      const rest = data.subarray(p);
      if (rest.length <= framing.maxCarry) {
        es.carry = Buffer.from(rest);
        es.carryMs = t;
      } else {
        this.stats.droppedBytes += rest.length;
      }
    }
  }

  private emitOpus(es: ElementaryStream, payload: Buffer, dtsMs: number): void {
    let p = 0;
    let t = dtsMs;
    let frames = 0;
    while (p + 2 <= payload.length) {
      // opus_control_header: 11-bit prefix 0x3ff, start_trim, end_trim, control_extension flags.
      const b1 = payload[p + 1] as number;
      if (payload[p] !== 0x7f || (b1 & 0xe0) !== 0xe0) break;
      let q = p + 2;
      let size = 0;
      for (;;) {
        const b = payload[q++];
        if (b === undefined) return this.dropRest(payload, p);
        size += b;
        if (b !== 0xff) break;
      }
      if ((b1 & 0x10) !== 0) q += 2;
      if ((b1 & 0x08) !== 0) q += 2;
      if ((b1 & 0x04) !== 0) {
        const extLength = payload[q];
        if (extLength === undefined) return this.dropRest(payload, p);
        q += 1 + extLength;
      }
      if (q + size > payload.length || size === 0 || ++frames > this.limits.maxFramesPerPes) return this.dropRest(payload, p);
      const packet = payload.subarray(q, q + size);
      this.push1(es, { codec: 'opus', pid: es.pid, dtsMs: t, ptsMs: t, keyframe: true, data: packet, opus: { channels: es.opusChannels } });
      t += opusPacketSamples(packet) / 48;
      p = q + size;
    }
    this.dropRest(payload, p);
  }

  private dropRest(payload: Buffer, from: number): void {
    if (from < payload.length) this.stats.droppedBytes += payload.length - from;
  }
}

/** 33-bit PTS/DTS from the 5-byte PES field, or undefined when its marker bits are wrong (bit errors). */
function readTimestamp(b: Buffer, at: number): number | undefined {
  const b0 = b[at] as number;
  const b2 = b[at + 2] as number;
  const b4 = b[at + 4] as number;
  if ((b0 & 0x01) === 0 || (b2 & 0x01) === 0 || (b4 & 0x01) === 0) return undefined;
  return ((b0 >> 1) & 0x07) * 2 ** 30 + (b[at + 1] as number) * 2 ** 22 + (b2 >> 1) * 2 ** 15 + (b[at + 3] as number) * 2 ** 7 + (b4 >> 1);
}

function codecOf(streamType: number, descriptors: Buffer): MpegTsCodec | undefined {
  switch (streamType) {
    case MpegTsStreamType.H264:
      return 'h264';
    case MpegTsStreamType.Hevc:
      return 'hevc';
    case MpegTsStreamType.AacAdts:
      return 'aac';
    case MpegTsStreamType.Ac3:
      return 'ac3';
    case MpegTsStreamType.Eac3:
      return 'eac3';
    case MpegTsStreamType.PrivateData:
      return privateDataCodec(descriptors);
    default:
      return undefined;
  }
}

/** What a PES private data stream carries, by its descriptors: Opus, or AC-3 / E-AC-3 as DVB signals them (EN 300 468 Annex D). */
function privateDataCodec(descriptors: Buffer): MpegTsCodec | undefined {
  let codec: MpegTsCodec | undefined;
  findDescriptor(descriptors, (tag, body) => {
    const registration = tag === MPEGTS_REGISTRATION_DESCRIPTOR ? body.toString('latin1', 0, 4) : undefined;
    if (registration === 'Opus') codec = 'opus';
    else if (tag === MPEGTS_AC3_DESCRIPTOR || registration === 'AC-3') codec = 'ac3';
    else if (tag === MPEGTS_EAC3_DESCRIPTOR || registration === 'EAC3') codec = 'eac3';
    return codec !== undefined;
  });
  return codec;
}

/** Channels from the DVB Opus extension descriptor's channel_config_code (0x80/0x81 mean mono/stereo, Vorbis mapping, as in FFmpeg). */
function opusChannels(descriptors: Buffer): number {
  let channels = 2;
  findDescriptor(descriptors, (tag, body) => {
    if (tag !== MPEGTS_EXTENSION_DESCRIPTOR || body[0] !== MPEGTS_OPUS_EXTENSION_TAG || body.length < 2) return false;
    const code = body[1] as number;
    if (code >= 1 && code <= 8) channels = code;
    else if (code === 0x80) channels = 2; // dual mono: two channels, no mapping family
    return true;
  });
  return channels;
}

function findDescriptor(descriptors: Buffer, match: (tag: number, body: Buffer) => boolean): boolean {
  let p = 0;
  while (p + 2 <= descriptors.length) {
    const tag = descriptors[p] as number;
    const length = descriptors[p + 1] as number;
    const body = descriptors.subarray(p + 2, Math.min(descriptors.length, p + 2 + length));
    if (match(tag, body)) return true;
    p += 2 + length;
  }
  return false;
}

/**
 * Whether an adaptation field of `length` bytes holds stuffing: a lone length byte (length 0), or
 * more bytes than its flags' fields take (PCR, OPCR, splice countdown, private data, extension).
 */
function hasStuffing(pkt: Buffer, length: number): boolean {
  if (length === 0) return true;
  const flags = pkt[5] as number;
  let used = 1 + ((flags & 0x10) !== 0 ? 6 : 0) + ((flags & 0x08) !== 0 ? 6 : 0) + ((flags & 0x04) !== 0 ? 1 : 0);
  if ((flags & 0x02) !== 0) used += 1 + ((pkt[5 + used] as number | undefined) ?? 0);
  if ((flags & 0x01) !== 0) used += 1 + ((pkt[5 + used] as number | undefined) ?? 0);
  return used < length;
}
