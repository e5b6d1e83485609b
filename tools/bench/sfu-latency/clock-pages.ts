import type { Page } from 'playwright-core';
import { BARCODE, BrowserRtcClient, CLOCK_BARCODE_PAGE_SCRIPT, type RtcExchange } from '@mediaplane/testing';

/**
 * The two Chromium pages of the SFU latency bench. Plain browser JavaScript
 * injected into the pages, because the workspace compiles without the DOM library.
 *
 * Publisher: getUserMedia is replaced by a 1280x720 canvas that draws the
 * wall clock (ms) as a barcode 30 times a second, plus an oscillator for
 * audio, so the house WHIP page client publishes it unchanged.
 */
const CLOCK_CAMERA_SCRIPT = `
(() => {
  const canvas = document.createElement('canvas');
  canvas.width = ${BARCODE.width};
  canvas.height = ${BARCODE.height};
  const ctx = canvas.getContext('2d');
  let frame = 0;
  const draw = () => {
    frame++;
    // A moving block below the barcode, so the encoder sees a changing picture as from a camera.
    ctx.fillStyle = '#246';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.fillStyle = '#e94';
    ctx.fillRect((frame * 8) % (canvas.width - 160), 200 + (frame % 60) * 4, 160, 160);
    window.mpClockBarcode.draw(ctx, Math.floor(Date.now()) % 1000000000);
  };
  draw();
  setInterval(draw, 1000 / 30);
  const video = canvas.captureStream(30).getVideoTracks()[0];
  const audio = new AudioContext();
  const tone = audio.createOscillator();
  const sink = audio.createMediaStreamDestination();
  tone.connect(sink);
  tone.start();
  navigator.mediaDevices.getUserMedia = async () => new MediaStream([video, sink.stream.getAudioTracks()[0]]);
})();
`;

/**
 * Player: WHEP with its own timing. join() POSTs the offer and resolves at
 * the first frame the video element presents (requestVideoFrameCallback),
 * giving POST → first frame; sample() reads the barcode of every frame
 * presented for a while and returns (value, clock at presentation) pairs.
 */
const CLOCK_PLAYER_SCRIPT = `
window.mpClockPlayer = (() => {
  const players = new Map();
  let next = 0;
  const { gathered, playerPeer } = window.mpRtc;
  const firstFrame = (video, timeoutMs) => new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), timeoutMs);
    video.requestVideoFrameCallback(() => { clearTimeout(timer); resolve(performance.now()); });
  });
  return {
    async join(url, timeoutMs) {
      const { pc, video } = playerPeer();
      const shown = firstFrame(video, timeoutMs);
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc);
      const postedAt = performance.now();
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/sdp' }, body: pc.localDescription.sdp });
      const body = await res.text();
      if (res.status !== 201) { pc.close(); video.remove(); return { status: res.status, body }; }
      const answerMs = performance.now() - postedAt;
      await pc.setRemoteDescription({ type: 'answer', sdp: body });
      const id = ++next;
      players.set(id, { pc, video, location: new URL(res.headers.get('location'), url).toString() });
      const at = await shown;
      return { status: 201, id, answerMs, firstFrameMs: at === undefined ? undefined : at - postedAt };
    },
    sample(id, ms) {
      const { video } = players.get(id);
      const reads = [];
      return new Promise((resolve) => {
        const until = performance.now() + ms;
        const onFrame = (now, meta) => {
          reads.push({ value: window.mpClockBarcode.read(video, meta.width, meta.height), at: Date.now(), height: meta.height });
          if (performance.now() < until) video.requestVideoFrameCallback(onFrame);
          else resolve(reads);
        };
        video.requestVideoFrameCallback(onFrame);
      });
    },
    async leave(id) {
      const player = players.get(id);
      if (!player) return 0;
      players.delete(id);
      const res = await fetch(player.location, { method: 'DELETE' });
      player.pc.close();
      player.video.remove();
      return res.status;
    },
  };
})();
`;

export interface ClockRead {
  value: number;
  /** Date.now() when the frame was presented. */
  at: number;
  height: number;
}

export interface JoinResult {
  status: number;
  id?: number;
  answerMs?: number;
  /** POST → first presented frame, ms; undefined when none came within the timeout. */
  firstFrameMs?: number;
  body?: string;
}

type ClockPlayerGlobal = {
  mpClockPlayer: {
    join(url: string, timeoutMs: number): Promise<JoinResult>;
    sample(id: number, ms: number): Promise<ClockRead[]>;
    leave(id: number): Promise<number>;
  };
};

/** Opens a page on `origin`, replaces its camera by the clock canvas and publishes over WHIP. */
export async function publishClock(page: Page, origin: string, whipUrl: string, streamKey: string, videoCodec: string): Promise<RtcExchange> {
  const client = await BrowserRtcClient.open(page, origin);
  await page.evaluate(CLOCK_BARCODE_PAGE_SCRIPT);
  await page.evaluate(CLOCK_CAMERA_SCRIPT);
  return client.whip(whipUrl, streamKey, { width: BARCODE.width, height: BARCODE.height, videoCodec });
}

/** A page on `origin` ready to play WHEP with timing (same origin as the SFU, so no CORS in the way). */
export class ClockPlayerPage {
  private constructor(private readonly page: Page) {}

  static async open(page: Page, origin: string): Promise<ClockPlayerPage> {
    // The house WHEP page client provides the receive-only peer and the ICE gathering wait.
    await BrowserRtcClient.open(page, origin);
    await page.evaluate(CLOCK_BARCODE_PAGE_SCRIPT);
    await page.evaluate(CLOCK_PLAYER_SCRIPT);
    return new ClockPlayerPage(page);
  }

  join(whepUrl: string, timeoutMs: number): Promise<JoinResult> {
    return this.page.evaluate(([u, t]) => (globalThis as unknown as ClockPlayerGlobal).mpClockPlayer.join(u, t), [whepUrl, timeoutMs] as const);
  }

  sample(id: number, ms: number): Promise<ClockRead[]> {
    return this.page.evaluate(([i, m]) => (globalThis as unknown as ClockPlayerGlobal).mpClockPlayer.sample(i, m), [id, ms] as const);
  }

  leave(id: number): Promise<number> {
    return this.page.evaluate((i) => (globalThis as unknown as ClockPlayerGlobal).mpClockPlayer.leave(i), id);
  }
}
