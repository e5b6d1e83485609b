import { SrtLinkStatsSchema } from '@mediaplane/contracts';
import type { NativeStats } from './srt-addon';
import { toSrtLinkStats } from './srt-link-stats';

const raw: NativeStats = {
  msRTT: 12.5,
  mbpsBandwidth: 48.2,
  mbpsRecvRate: 6.1,
  mbpsSendRate: 0,
  pktRecvTotal: 5000,
  pktSentTotal: 0,
  pktRcvLossTotal: 250,
  pktSndLossTotal: 0,
  pktRcvRetrans: 240,
  pktRetransTotal: 0,
  pktRcvDropTotal: 3,
  pktSndDropTotal: 0,
  byteRecvTotal: 6_580_000,
  byteSentTotal: 0,
  msRcvBuf: 118,
  msRcvTsbPdDelay: 120,
  msSndTsbPdDelay: 0,
};

describe('toSrtLinkStats', () => {
  it('maps srt_bstats fields to the platform link statistics (Mb/s → kb/s)', () => {
    expect(toSrtLinkStats(raw)).toEqual({
      rttMs: 12.5,
      bandwidthKbps: 48200,
      receiveRateKbps: 6100,
      packetsReceived: 5000,
      packetsLost: 250,
      packetsRetransmitted: 240,
      packetsDropped: 3,
      receiveBufferMs: 118,
      latencyMs: 120,
    });
  });

  it('counts retransmissions we sent on a playback connection', () => {
    const stats = toSrtLinkStats({ ...raw, pktRcvRetrans: 0, pktRetransTotal: 17, msRcvTsbPdDelay: 0, msSndTsbPdDelay: 200 });
    expect(stats.packetsRetransmitted).toBe(17);
    expect(stats.latencyMs).toBe(200);
  });

  it('reads unmeasured values (negative, NaN) as 0, so the result always passes the contract', () => {
    const stats = toSrtLinkStats({ ...raw, msRTT: -1, mbpsBandwidth: Number.NaN, msRcvBuf: -1, pktRcvDropTotal: -5 });
    expect(stats).toMatchObject({ rttMs: 0, bandwidthKbps: 0, receiveBufferMs: 0, packetsDropped: 0 });
    expect(SrtLinkStatsSchema.safeParse(stats).success).toBe(true);
  });
});
