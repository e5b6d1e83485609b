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
  // Every peer of the page, for the stage breakdown (the house client keeps its peers private).
  const peers = [];
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = function (...args) { const pc = new Native(...args); peers.push(pc); return pc; };
  window.RTCPeerConnection.prototype = Native.prototype;
  window.mpPublisherStats = async () => {
    const out = { framesEncoded: 0, totalEncodeTime: 0, packetsSent: 0, totalPacketSendDelay: 0, frameHeight: 0, targetBitrate: 0, qualityLimitationReason: '', availableOutgoingBitrate: 0, nackCount: 0, pliCount: 0 };
    for (const pc of peers) {
      (await pc.getStats()).forEach((r) => {
        if (r.type === 'outbound-rtp' && r.kind === 'video') {
          out.framesEncoded += r.framesEncoded || 0; out.totalEncodeTime += r.totalEncodeTime || 0;
          out.packetsSent += r.packetsSent || 0; out.totalPacketSendDelay += r.totalPacketSendDelay || 0;
          out.frameHeight = r.frameHeight || out.frameHeight; out.targetBitrate = r.targetBitrate || out.targetBitrate;
          out.qualityLimitationReason = r.qualityLimitationReason || out.qualityLimitationReason;
          out.nackCount += r.nackCount || 0; out.pliCount += r.pliCount || 0;
        }
        if (r.type === 'candidate-pair' && r.nominated && r.availableOutgoingBitrate) out.availableOutgoingBitrate = r.availableOutgoingBitrate;
      });
    }
    return out;
  };
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
    async stats(id) {
      const out = { jitterBufferDelay: 0, jitterBufferEmittedCount: 0, jitterBufferTargetDelay: 0, jitterBufferMinimumDelay: 0, totalDecodeTime: 0, framesDecoded: 0, totalProcessingDelay: 0, framesDropped: 0, nackCount: 0, audioJitterBufferDelay: 0, audioJitterBufferEmittedCount: 0, audioJitterBufferMinimumDelay: 0, audioPlayoutDelay: 0, audioPlayoutSamples: 0 };
      (await players.get(id).pc.getStats()).forEach((r) => {
        if (r.type === 'media-playout') { out.audioPlayoutDelay += r.totalPlayoutDelay || 0; out.audioPlayoutSamples += r.totalSamplesCount || 0; return; }
        if (r.type !== 'inbound-rtp') return;
        if (r.kind === 'audio') {
          out.audioJitterBufferDelay += r.jitterBufferDelay || 0;
          out.audioJitterBufferEmittedCount += r.jitterBufferEmittedCount || 0;
          out.audioJitterBufferMinimumDelay += r.jitterBufferMinimumDelay || 0;
          return;
        }
        for (const key of Object.keys(out)) if (typeof r[key] === 'number' && !key.startsWith('audio')) out[key] += r[key];
      });
      return out;
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

/** Cumulative counters of the publisher's video sender (Chromium getStats, seconds where a time). */
export interface PublisherCounters {
  framesEncoded: number;
  totalEncodeTime: number;
  packetsSent: number;
  /** Sum over packets of the time each spent in the sender's pacer queue. */
  totalPacketSendDelay: number;
  frameHeight: number;
  targetBitrate: number;
  qualityLimitationReason: string;
  availableOutgoingBitrate: number;
  nackCount: number;
  pliCount: number;
}

/** Cumulative counters of a player's inbound video (and the audio jitter buffer), seconds where a time. */
export interface PlayerCounters {
  jitterBufferDelay: number;
  jitterBufferEmittedCount: number;
  jitterBufferTargetDelay: number;
  jitterBufferMinimumDelay: number;
  totalDecodeTime: number;
  framesDecoded: number;
  totalProcessingDelay: number;
  framesDropped: number;
  nackCount: number;
  audioJitterBufferDelay: number;
  audioJitterBufferEmittedCount: number;
  /** What the audio jitter buffer would hold without lip sync (WebRTC stats), summed per emitted sample. */
  audioJitterBufferMinimumDelay: number;
  /** The audio device's share after the jitter buffer (media-playout stats), per sample. */
  audioPlayoutDelay: number;
  audioPlayoutSamples: number;
}

/** Seconds summed over `count` units, as ms per unit (NaN when none). */
export const perUnitMs = (seconds: number, count: number): number => (count > 0 ? (seconds * 1000) / count : NaN);

/** Mean jitter-buffer delay between two reads of a player's counters: per video frame and per audio sample, ms. */
export function jitterBuffersBetween(v0: PlayerCounters, v1: PlayerCounters): JitterBuffers {
  const frames = v1.jitterBufferEmittedCount - v0.jitterBufferEmittedCount;
  const samples = v1.audioJitterBufferEmittedCount - v0.audioJitterBufferEmittedCount;
  return {
    videoMs: perUnitMs(v1.jitterBufferDelay - v0.jitterBufferDelay, frames),
    videoMinimumMs: perUnitMs(v1.jitterBufferMinimumDelay - v0.jitterBufferMinimumDelay, frames),
    audioMs: perUnitMs(v1.audioJitterBufferDelay - v0.audioJitterBufferDelay, samples),
    audioMinimumMs: perUnitMs(v1.audioJitterBufferMinimumDelay - v0.audioJitterBufferMinimumDelay, samples),
    audioPlayoutMs: perUnitMs(v1.audioPlayoutDelay - v0.audioPlayoutDelay, v1.audioPlayoutSamples - v0.audioPlayoutSamples),
  };
}

/** Mean delays over a window, ms: each jitter buffer, what it would hold without lip sync (minimum), and the audio device. */
export interface JitterBuffers {
  videoMs: number;
  videoMinimumMs: number;
  audioMs: number;
  audioMinimumMs: number;
  audioPlayoutMs: number;
}

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
    stats(id: number): Promise<PlayerCounters>;
    leave(id: number): Promise<number>;
  };
};

/**
 * Opens a page on `origin`, replaces its camera by the clock canvas and publishes over WHIP;
 * `counters()` reads the publisher's video sender counters.
 */
export async function publishClock(
  page: Page,
  origin: string,
  whipUrl: string,
  streamKey: string,
  videoCodec: string,
): Promise<RtcExchange & { counters(): Promise<PublisherCounters> }> {
  const client = await BrowserRtcClient.open(page, origin);
  await page.evaluate(CLOCK_BARCODE_PAGE_SCRIPT);
  await page.evaluate(CLOCK_CAMERA_SCRIPT);
  const exchange = await client.whip(whipUrl, streamKey, { width: BARCODE.width, height: BARCODE.height, videoCodec });
  const counters = () => page.evaluate(() => (globalThis as unknown as { mpPublisherStats(): Promise<PublisherCounters> }).mpPublisherStats());
  return { ...exchange, counters };
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

  /** Makes this the page the browser renders: a page behind another gets no animation frames, so its video frame callbacks come late. */
  bringToFront(): Promise<void> {
    return this.page.bringToFront();
  }

  join(whepUrl: string, timeoutMs: number): Promise<JoinResult> {
    return this.page.evaluate(([u, t]) => (globalThis as unknown as ClockPlayerGlobal).mpClockPlayer.join(u, t), [whepUrl, timeoutMs] as const);
  }

  sample(id: number, ms: number): Promise<ClockRead[]> {
    return this.page.evaluate(([i, m]) => (globalThis as unknown as ClockPlayerGlobal).mpClockPlayer.sample(i, m), [id, ms] as const);
  }

  stats(id: number): Promise<PlayerCounters> {
    return this.page.evaluate((i) => (globalThis as unknown as ClockPlayerGlobal).mpClockPlayer.stats(i), id);
  }

  leave(id: number): Promise<number> {
    return this.page.evaluate((i) => (globalThis as unknown as ClockPlayerGlobal).mpClockPlayer.leave(i), id);
  }
}
