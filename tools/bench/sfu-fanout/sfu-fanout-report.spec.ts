import { rtpPayloadType } from './byte-counting-consumer';
import { failedPoint, formatFanoutReport, perConsumerCost, receivedShares, summarizeFanout, type FanoutPoint, type FanoutResult } from './sfu-fanout-report';

const usage = (cpuSeconds: number, wallSeconds: number) => ({
  wallSeconds,
  cpuSeconds,
  cpuPercent: (cpuSeconds / wallSeconds) * 100,
  rssMeanBytes: 0,
  rssMaxBytes: 0,
});

describe('the SFU fan-out figures', () => {
  it('charges consumers only the CPU above the publisher-only baseline', () => {
    // 10 s window, 3 CPU-s spent, baseline 10 % (1 CPU-s of it): 2 CPU-s over 100 consumers × 10 s.
    const cost = perConsumerCost(usage(3, 10), 10, 100);
    expect(cost.net).toBeCloseTo(0.002);
    expect(cost.perCore).toBeCloseTo(500);
  });

  it('gives each consumer its received rate as a share of the source rate, a silent one at zero', () => {
    const shares = receivedShares(
      [
        { videoBytes: 1_875_000, audioBytes: 0, videoPackets: 1, audioPackets: 0 },
        { videoBytes: 0, audioBytes: 0, videoPackets: 0, audioPackets: 0 },
      ],
      10,
      1_500_000,
    );
    expect(shares).toEqual([1, 0]);
  });

  it('reads the payload type from an (encrypted) RTP packet and none from RTCP or non-media', () => {
    const rtp = Buffer.alloc(40);
    rtp[0] = 0x80;
    rtp[1] = 0x80 | 111; // marker + Opus
    expect(rtpPayloadType(rtp)).toBe(111);
    const rtcp = Buffer.alloc(40);
    rtcp[0] = 0x80;
    rtcp[1] = 200; // sender report
    expect(rtpPayloadType(rtcp)).toBeUndefined();
    expect(rtpPayloadType(Buffer.from([0x16, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0]))).toBeUndefined(); // DTLS
  });

  describe('over several rounds', () => {
    const point = (engine: string, consumers: number, round: number, cpuSeconds: number, served = consumers): FanoutPoint => ({
      engine,
      consumers,
      round,
      joined: consumers,
      served,
      minShare: served === consumers ? 1 : 0,
      meanShare: 1,
      sourceKbps: 1500,
      sfu: usage(cpuSeconds, 10),
      generatorsCpuPercent: 10,
      machineBusyPercent: 50,
    });
    // Baselines 5, 30 (one disturbed window) and 6 % → median 6 %: 0.6 CPU-s of each 10 s window.
    const baselines = [5, 30, 6].map((cpuPercent, i) => ({ engine: 'werift', round: i + 1, cpuPercent, rssMeanBytes: 0 }));

    it('nets every round against the median of the baselines and takes the median of the rounds', () => {
      // 25 consumers × 10 s: 2.1, 2.26 and 1.85 CPU-s → net 6.0, 6.64 and 5.0 ms per consumer-second.
      const points = [point('werift', 25, 1, 2.1), point('werift', 25, 2, 2.26), point('werift', 25, 3, 1.85)];
      const [row] = summarizeFanout(baselines, points);
      expect(row).toMatchObject({ engine: 'werift', consumers: 25, rounds: 3, served: 25, baselineCpuPercent: 6 });
      expect(row?.netCpuPerConsumerSecond.map((n) => Math.round(n * 1e5) / 1e2)).toEqual([6, 6.64, 5]);
      expect(row?.medianNetCpuPerConsumerSecond).toBeCloseTo(0.006);
      expect(row?.consumersPerCore).toBeCloseTo(166.7, 1);
    });

    it('counts a size as served only when it was in every round, and has no cost for a failed round', () => {
      const points = [point('werift', 25, 1, 2.1), point('werift', 25, 2, 2.2, 24), failedPoint('werift', 25, 3, 'a load generator failed')];
      const [row] = summarizeFanout(baselines, points);
      expect(row).toMatchObject({ served: 0, failed: 'a load generator failed' });
      expect(row?.consumersPerCore).toBeNaN();
    });

    it('prints the median with each round beside it, and the baseline windows', () => {
      const points = [point('werift', 25, 1, 2.1), point('werift', 25, 2, 2.26), point('werift', 25, 3, 1.85)];
      const result: FanoutResult = {
        bench: 'sfu-fanout',
        at: '2026-12-06T00:00:00.000Z',
        machine: { cpus: 2, cpuModel: 'test CPU', loadavgAtStart: [1, 1, 1], node: '24.0.0' },
        source: { videoKbps: 1500, audioKbps: 64, fps: 30, gopFrames: 60, codec: 'VP8' },
        windowSeconds: 10,
        rounds: 3,
        generators: 2,
        skipped: [],
        baselines,
        points,
        summary: summarizeFanout(baselines, points),
      };
      const text = formatFanoutReport(result);
      expect(text).toContain('3 interleaved rounds');
      expect(text).toContain('publisher-only baseline 6.0 % CPU (median of 5.0 · 30.0 · 6.0)');
      expect(text).toMatch(/^25 +25\/25 .* 6\.00 +167 +167 · 151 · 200 /m);
    });
  });
});
