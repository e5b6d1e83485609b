import { epochMsFromNtp, ntpFromEpochMs } from '@mediaplane/media-io/werift';
import { PublisherClock } from './capture-clock';

describe('capture clock', () => {
  it('maps RTP timestamps through the latest Sender Report onto our clock', () => {
    const publisher = new PublisherClock();
    const video = publisher.stream(90000);
    expect(video.captureNtp(1000)).toBeUndefined();
    // The publisher's clock runs 5 s behind ours.
    const publisherNow = Date.now() - 5000;
    video.onSenderReport(ntpFromEpochMs(publisherNow), 1000);
    expect(epochMsFromNtp(video.captureNtp(1000)!)).toBeCloseTo(Date.now(), -2);
    // 9000 ticks at 90 kHz later: 100 ms later.
    expect(epochMsFromNtp(video.captureNtp(10_000)!) - epochMsFromNtp(video.captureNtp(1000)!)).toBeCloseTo(100, 3);
  });

  it('keeps the streams of one publisher on one offset, so their relative timing survives', () => {
    const publisher = new PublisherClock();
    const video = publisher.stream(90000);
    const audio = publisher.stream(48000);
    const t = Date.UTC(2026, 0, 1);
    video.onSenderReport(ntpFromEpochMs(t), 0);
    // The audio report arrives later and says audio timestamp 4800 was captured 40 ms after video's 0.
    audio.onSenderReport(ntpFromEpochMs(t + 40), 4800);
    expect(epochMsFromNtp(audio.captureNtp(4800)!) - epochMsFromNtp(video.captureNtp(0)!)).toBeCloseTo(40, 3);
    expect(epochMsFromNtp(audio.captureNtp(9600)!) - epochMsFromNtp(video.captureNtp(9000)!)).toBeCloseTo(40, 3);
  });

  it('ignores a report without a clock (NTP 0), which would anchor the offset on 1900', () => {
    const publisher = new PublisherClock();
    const video = publisher.stream(90000);
    video.onSenderReport(0n, 0);
    expect(video.captureNtp(0)).toBeUndefined();
    video.onSenderReport(ntpFromEpochMs(Date.now()), 0);
    expect(epochMsFromNtp(video.captureNtp(0)!)).toBeCloseTo(Date.now(), -2);
  });

  it('counts timestamps across the 32-bit wrap as later, not 13 hours earlier', () => {
    const video = new PublisherClock().stream(90000);
    video.onSenderReport(ntpFromEpochMs(Date.now()), 0xffff_ff00);
    expect(epochMsFromNtp(video.captureNtp(0x100)!) - epochMsFromNtp(video.captureNtp(0xffff_ff00)!)).toBeCloseTo((0x200 * 1000) / 90000, 3);
  });
});
