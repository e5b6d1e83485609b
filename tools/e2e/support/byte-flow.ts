import { sleep } from '@mediaplane/testing';

/** Something that counts the media bytes it received (an HTTP-FLV or RTMP viewer of tools/bench/common). */
export interface ByteCounter {
  readonly bytesReceived: number;
}

/**
 * Samples a viewer's byte count every `everyMs` for `forMs`, and tells
 * whether it grew in every window: "bytes keep flowing", not merely "some
 * bytes arrived once". A gap (a window without a byte) fails the check.
 */
export async function watchByteFlow(viewer: ByteCounter, forMs: number, everyMs = 1000): Promise<{ samples: number[]; stalledWindows: number }> {
  const samples = [viewer.bytesReceived];
  const end = Date.now() + forMs;
  while (Date.now() < end) {
    await sleep(everyMs);
    samples.push(viewer.bytesReceived);
  }
  let stalledWindows = 0;
  for (let i = 1; i < samples.length; i++) if ((samples[i] as number) <= (samples[i - 1] as number)) stalledWindows++;
  return { samples, stalledWindows };
}
