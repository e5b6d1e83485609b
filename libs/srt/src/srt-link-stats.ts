import type { SrtLinkStats } from '@mediaplane/contracts';
import type { NativeStats } from './srt-addon';

const nonNegative = (value: number): number => (Number.isFinite(value) && value > 0 ? value : 0);
const count = (value: number): number => Math.round(nonNegative(value));

/**
 * libsrt's srt_bstats (clear=0: counters since the connection began) as the platform's
 * SrtLinkStats. Retransmissions count both directions: what a publisher's encoder resent to
 * us (pktRcvRetrans) and what we resent to a player (pktRetransTotal); a connection carries
 * media one way, so one of the two is zero. libsrt reports -1 or NaN for values it has not
 * measured yet; those read as 0.
 */
export function toSrtLinkStats(stats: NativeStats): SrtLinkStats {
  return {
    rttMs: nonNegative(stats.msRTT),
    bandwidthKbps: nonNegative(stats.mbpsBandwidth * 1000),
    receiveRateKbps: nonNegative(stats.mbpsRecvRate * 1000),
    packetsReceived: count(stats.pktRecvTotal),
    packetsLost: count(stats.pktRcvLossTotal),
    packetsRetransmitted: count(stats.pktRcvRetrans) + count(stats.pktRetransTotal),
    packetsDropped: count(stats.pktRcvDropTotal),
    receiveBufferMs: nonNegative(stats.msRcvBuf),
    latencyMs: count(Math.max(stats.msRcvTsbPdDelay, stats.msSndTsbPdDelay)),
  };
}
