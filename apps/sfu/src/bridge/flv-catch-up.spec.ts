import { FLV_TAG_AUDIO, FLV_TAG_SCRIPT, FLV_TAG_VIDEO } from '@mediaplane/codecs';
import { FlvCatchUp } from './flv-catch-up';

const AVC_CONFIG = Buffer.from([0x17, 0x00, 0, 0, 0, 0x01, 0x42, 0xc0, 0x1e]);
const AVC_KEY = Buffer.from([0x17, 0x01, 0, 0, 0, 0, 0, 0, 1, 0x65]);
const AVC_INTER = Buffer.from([0x27, 0x01, 0, 0, 0, 0, 0, 0, 1, 0x41]);
const AAC_CONFIG = Buffer.from([0xaf, 0x00, 0x12, 0x10]);
const AAC_FRAME = Buffer.from([0xaf, 0x01, 0x21, 0x00]);

const video = (timestamp: number, data = AVC_INTER) => ({ type: FLV_TAG_VIDEO, timestamp, data });
const audio = (timestamp: number, data = AAC_FRAME) => ({ type: FLV_TAG_AUDIO, timestamp, data });

describe('FlvCatchUp', () => {
  it('squeezes a cached GOP that arrives in one burst and continues live from its end, at live pace', () => {
    const catchUp = new FlvCatchUp();
    // 3 s of cache (25 fps) arriving within 30 ms, starting at media time 10 000 ms.
    const out: number[] = [];
    for (let i = 0; i < 75; i++) out.push(catchUp.retime(video(10_000 + i * 40, i === 0 ? AVC_KEY : AVC_INTER), 1000 + i * 0.4) as number);
    expect(out[0]).toBe(10_000);
    for (let i = 1; i < out.length; i++) expect(out[i]).toBeGreaterThan(out[i - 1] as number);
    expect((out[74] as number) - (out[0] as number)).toBeLessThan(150);
    expect(catchUp.shiftMs).toBeGreaterThan(2900);

    // Live frames then arrive in real time, 40 ms apart: once past the squeezed tail (1 ms per cached frame), at live pace.
    const live = [0, 1, 2, 3, 4].map((i) => catchUp.retime(video(13_000 + i * 40), 1040 + i * 40) as number);
    expect(live[0]).toBeGreaterThan(out[74] as number);
    expect(live[0]).toBeLessThan((out[74] as number) + 100);
    expect([live[3]! - live[2]!, live[4]! - live[3]!]).toEqual([40, 40]);
  });

  it('leaves a stream that arrives in real time as it is', () => {
    const catchUp = new FlvCatchUp();
    const out = [0, 1, 2, 3, 4].map((i) => catchUp.retime(video(5000 + i * 40), 100 + i * 40 + (i % 2) * 3));
    expect(out).toEqual([5000, 5040, 5080, 5120, 5160]);
    expect(catchUp.shiftMs).toBe(0);
  });

  it('drops the audio of the burst, keeps live audio and always passes sequence headers and script tags', () => {
    const catchUp = new FlvCatchUp();
    expect(catchUp.retime({ type: FLV_TAG_SCRIPT, timestamp: 0, data: Buffer.alloc(4) }, 0)).toBe(0);
    expect(catchUp.retime(video(0, AVC_CONFIG), 0)).toBe(0);
    expect(catchUp.retime(audio(0, AAC_CONFIG), 0)).toBe(0);
    const burst: Array<number | undefined> = [];
    for (let i = 0; i < 40; i++) {
      burst.push(catchUp.retime(video(2000 + i * 40, i === 0 ? AVC_KEY : AVC_INTER), 50 + i * 0.5));
      burst.push(catchUp.retime(audio(2000 + i * 40 + 20), 50 + i * 0.5));
    }
    const keptAudio = burst.filter((_, i) => i % 2 === 1).filter((t) => t !== undefined);
    expect(keptAudio.length).toBeLessThanOrEqual(2);
    // Live audio, 23 ms apart in media and wall time, all kept.
    const live = [0, 1, 2, 3].map((i) => catchUp.retime(audio(3620 + i * 23), 100 + i * 23));
    expect(live.every((t) => t !== undefined)).toBe(true);
    // A sequence header mid-stream (a republished config) passes at the shifted time.
    expect(catchUp.retime(video(3700, AVC_CONFIG), 200)).toBe(3700 - catchUp.shiftMs);
  });
});
