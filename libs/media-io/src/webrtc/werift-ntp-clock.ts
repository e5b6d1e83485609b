import { performance } from 'node:perf_hooks';
import { RTP_EXTENSION_URI, serializeAbsSendTime, type RTCRtpTransceiver } from 'werift';

/**
 * werift 0.25's ntpTime() writes the decimal digits of the fractional second
 * as the NTP fraction (0.295149 s becomes 294883 / 2^32 ≈ 0.00007 s), so
 * every timestamp its RTCRtpSender derives from it is truncated to the whole
 * second:
 * - Sender Reports pair a packet's RTP timestamp with that truncated time,
 *   off by a random 0–1 s that differs between a peer's audio and video
 *   senders and changes with every report. A Chromium viewer lip-syncs by
 *   those reports and holds video back by the apparent skew (measured: jitter
 *   buffer 176 ms against a minimum of 12 ms, glass-to-glass p50 283 ms).
 * - abs-send-time, the send clock of a Chromium viewer's delay-based REMB,
 *   stands still within each second and then jumps by one.
 * The helpers here give the correct clock; werift has no option for it.
 */

/** Seconds from the NTP epoch (1900-01-01) to the Unix epoch. */
const NTP_UNIX_OFFSET_S = 2_208_988_800;
const TWO_POW_32 = 2 ** 32;

/** A wall-clock time in milliseconds since the Unix epoch as a 64-bit NTP timestamp (32.32 fixed point). */
export function ntpFromEpochMs(epochMs: number): bigint {
  const seconds = Math.floor(epochMs / 1000);
  const fraction = Math.floor(((epochMs - seconds * 1000) / 1000) * TWO_POW_32);
  return (BigInt(seconds + NTP_UNIX_OFFSET_S) << 32n) | BigInt(fraction);
}

/** Now as a 64-bit NTP timestamp, with performance.now()'s sub-millisecond resolution. */
export function ntpNow(): bigint {
  return ntpFromEpochMs(performance.timeOrigin + performance.now());
}

/** Now as the 3-byte abs-send-time header extension (6.18 fixed-point seconds). */
export function absSendTimeNow(): Buffer {
  return serializeAbsSendTime(ntpNow());
}

/** The id the peer negotiated for abs-send-time on this transceiver (known once the answer is applied), if any. */
export function absSendTimeExtensionId(transceiver: Pick<RTCRtpTransceiver, 'headerExtensions'>): number | undefined {
  return transceiver.headerExtensions.find((e) => e.uri === RTP_EXTENSION_URI.absSendTime)?.id;
}

/** The NTP time a werift sender reports for the next packet it sends; the moment it sends it when unset. */
export interface SenderReportClock {
  next?: bigint;
}

/**
 * Makes a werift RTCRtpSender's Sender Reports use a correct clock. The
 * sender stores a time for each packet it sends in its (private)
 * `ntpTimestamp` field, beside the packet's RTP timestamp, and reports that
 * pair; the field becomes an accessor that, whenever werift writes it, records
 * `clock.next` (a forwarder sets the source's capture time there before each
 * packet) or else the correct time of sending. Returns undefined (and changes
 * nothing) when the field is not there as werift 0.25 defines it: a werift
 * upgrade must be checked then.
 */
export function correctSenderReportClock(sender: object): SenderReportClock | undefined {
  const field = Object.getOwnPropertyDescriptor(sender, 'ntpTimestamp');
  if (!field || !field.configurable || typeof field.value !== 'bigint') return undefined;
  let ntpTimestamp: bigint = field.value;
  const clock: SenderReportClock = {};
  Object.defineProperty(sender, 'ntpTimestamp', {
    configurable: true,
    enumerable: field.enumerable ?? true,
    get: () => ntpTimestamp,
    // werift assigns its own (truncated) reading as it sends a packet: take the correct one instead.
    set: () => {
      ntpTimestamp = clock.next ?? ntpNow();
      clock.next = undefined;
    },
  });
  return clock;
}

/** A 64-bit NTP timestamp as milliseconds since the Unix epoch. */
export function epochMsFromNtp(ntp: bigint): number {
  return (Number(ntp >> 32n) - NTP_UNIX_OFFSET_S) * 1000 + (Number(ntp & 0xffffffffn) / TWO_POW_32) * 1000;
}
