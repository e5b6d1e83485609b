import { rtpPayloadType } from './byte-counting-consumer';
import { perConsumerCost, receivedShares } from './sfu-fanout-report';

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
});
