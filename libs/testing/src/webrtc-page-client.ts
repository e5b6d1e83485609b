import type { Page } from 'playwright-core';
import { UdpThrottleRelay, rewriteCandidatesToRelay, sdpCandidateTarget } from './udp-throttle-relay';

/**
 * WHIP and WHEP clients that run inside a Chromium page (the browser's own
 * RTCPeerConnection, a fake camera and microphone), driven from a spec.
 * Non-trickle: each client waits for ICE gathering and POSTs one offer.
 * The script is plain browser JavaScript, injected into the page, because
 * the workspace compiles without the DOM library.
 */
const PAGE_SCRIPT = `
window.mpRtc = (() => {
  const peers = new Map();
  let next = 0;
  const gathered = (pc) => new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    const done = () => { if (pc.iceGatheringState === 'complete') resolve(); };
    pc.addEventListener('icegatheringstatechange', done);
    setTimeout(resolve, 3000);
  });
  const preferCodec = (transceiver, mimeType) => {
    if (!mimeType || !RTCRtpReceiver.getCapabilities) return;
    const all = RTCRtpReceiver.getCapabilities(transceiver.receiver.track.kind).codecs;
    const wanted = all.filter((c) => c.mimeType.toLowerCase() === mimeType.toLowerCase());
    const rest = all.filter((c) => c.mimeType.toLowerCase() !== mimeType.toLowerCase());
    if (wanted.length) transceiver.setCodecPreferences([...wanted, ...rest.filter((c) => /rtx|red|ulpfec/i.test(c.mimeType))]);
  };
  // A receive-only peer whose tracks play in a muted <video> on the page (also used by the bench's clock player).
  const playerPeer = () => {
    const pc = new RTCPeerConnection();
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.addTransceiver('audio', { direction: 'recvonly' });
    const video = document.createElement('video');
    video.muted = true; video.autoplay = true; video.playsInline = true;
    document.body.appendChild(video);
    const media = new MediaStream();
    // The media streams (a=msid) each kind arrived in: one shared stream is what the browser lip-syncs.
    pc.mpStreams = { audio: [], video: [] };
    pc.ontrack = (e) => { pc.mpStreams[e.track.kind] = e.streams.map((s) => s.id); media.addTrack(e.track); video.srcObject = media; video.play().catch(() => {}); };
    return { pc, video };
  };
  async function exchange(pc, url, headers, relay) {
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    // Through a relay, the server must not learn the browser's own candidates: an ICE agent that runs
    // checks (werift, unlike ICE-lite mediasoup) would otherwise find the direct path and bypass the relay.
    // It learns the relay's address as a peer-reflexive candidate from the browser's checks instead.
    const offer = relay ? pc.localDescription.sdp.split('\\r\\n').filter((l) => !l.startsWith('a=candidate:')).join('\\r\\n') : pc.localDescription.sdp;
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/sdp', ...headers }, body: offer });
    const body = await res.text();
    if (res.status !== 201) { pc.close(); return { status: res.status, body }; }
    await pc.setRemoteDescription({ type: 'answer', sdp: relay ? await window.mpRelayAnswer(body) : body });
    const id = ++next;
    peers.set(id, { pc, location: new URL(res.headers.get('location'), url).toString() });
    return { status: 201, id, location: res.headers.get('location'), etag: res.headers.get('etag'), answer: body };
  }
  return {
    async whip(url, key, options = {}) {
      const media = await navigator.mediaDevices.getUserMedia({ video: { width: options.width || 640, height: options.height || 360, frameRate: 30 }, audio: true });
      const pc = new RTCPeerConnection();
      for (const track of media.getTracks()) {
        if (track.kind === 'video' && options.simulcast) {
          const t = pc.addTransceiver(track, { direction: 'sendonly', sendEncodings: [
            { rid: 'l', scaleResolutionDownBy: 4, maxBitrate: 150000 },
            { rid: 'm', scaleResolutionDownBy: 2, maxBitrate: 500000 },
            { rid: 'h', maxBitrate: 1500000 },
          ] });
          // On a loaded machine Chromium's CPU adaptation otherwise shrinks every layer (the 'h' layer
          // then is 640 wide at a few hundred kb/s): keep the layers' sizes and give up frame rate instead.
          const params = t.sender.getParameters();
          params.degradationPreference = 'maintain-resolution';
          await t.sender.setParameters(params).catch(() => {});
        } else {
          const t = pc.addTransceiver(track, { direction: 'sendonly' });
          if (track.kind === 'video') preferCodec(t, options.videoCodec);
        }
      }
      return exchange(pc, url, key ? { authorization: 'Bearer ' + key } : {});
    },
    async whep(url, options = {}) {
      return exchange(playerPeer().pc, url, {}, options.relay);
    },
    playerPeer,
    gathered,
    async recvOffer() {
      const pc = new RTCPeerConnection();
      pc.addTransceiver('video', { direction: 'recvonly' });
      pc.addTransceiver('audio', { direction: 'recvonly' });
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc);
      const sdp = pc.localDescription.sdp;
      pc.close();
      return sdp;
    },
    async stats(id) {
      const peer = peers.get(id);
      if (!peer) return undefined;
      const out = { state: peer.pc.connectionState, framesDecoded: 0, frameWidth: 0, frameHeight: 0, audioBytes: 0, videoBytes: 0, framesSent: 0, bytesSent: 0, rids: [], layers: [], mediaStreams: peer.pc.mpStreams };
      (await peer.pc.getStats()).forEach((r) => {
        if (r.type === 'inbound-rtp' && r.kind === 'video') { out.framesDecoded += r.framesDecoded || 0; out.frameWidth = r.frameWidth || out.frameWidth; out.frameHeight = r.frameHeight || out.frameHeight; out.videoBytes += r.bytesReceived || 0; }
        if (r.type === 'inbound-rtp' && r.kind === 'audio') out.audioBytes += r.bytesReceived || 0;
        if (r.type === 'outbound-rtp') {
          out.framesSent += r.framesSent || 0; out.bytesSent += r.bytesSent || 0;
          if (r.rid) { out.rids.push(r.rid); out.layers.push({ rid: r.rid, frameWidth: r.frameWidth || 0, bytesSent: r.bytesSent || 0, framesSent: r.framesSent || 0 }); }
        }
      });
      return out;
    },
    async remove(id) {
      const peer = peers.get(id);
      if (!peer) return 0;
      peers.delete(id);
      const res = await fetch(peer.location, { method: 'DELETE' });
      peer.pc.close();
      return res.status;
    },
  };
})();
`;

export interface RtcExchange {
  status: number;
  id?: number;
  location?: string;
  etag?: string;
  answer?: string;
  body?: string;
}

export interface RtcPeerStatsInPage {
  state: string;
  framesDecoded: number;
  frameWidth: number;
  frameHeight: number;
  audioBytes: number;
  videoBytes: number;
  framesSent: number;
  bytesSent: number;
  rids: string[];
  /** Simulcast layers sent (publisher side): rid, encoded width, bytes and frames so far. */
  layers: Array<{ rid: string; frameWidth: number; bytesSent: number; framesSent: number }>;
  /** Player side: the ids of the media streams each kind's track arrived in (the browser lip-syncs one stream's tracks). */
  mediaStreams?: { audio: string[]; video: string[] };
}

interface MpRtc {
  whip(url: string, key: string | undefined, options: WhipPageOptions): Promise<RtcExchange>;
  whep(url: string, options: { relay?: boolean }): Promise<RtcExchange>;
  stats(id: number): Promise<RtcPeerStatsInPage | undefined>;
  recvOffer(): Promise<string>;
  remove(id: number): Promise<number>;
}

export interface WhipPageOptions {
  simulcast?: boolean;
  /** e.g. 'video/H264' or 'video/VP8': put first in the offer. */
  videoCodec?: string;
  width?: number;
  height?: number;
}

type PageGlobal = { mpRtc: MpRtc };

/** WHIP/WHEP from a real browser page. `origin` must be an http://127.0.0.1 page (a secure context for getUserMedia). */
export class BrowserRtcClient {
  private constructor(readonly page: Page) {}

  static async open(page: Page, origin: string): Promise<BrowserRtcClient> {
    await page.goto(origin);
    await page.evaluate(PAGE_SCRIPT);
    return new BrowserRtcClient(page);
  }

  whip(url: string, streamKey: string | undefined, options: WhipPageOptions = {}): Promise<RtcExchange> {
    return this.page.evaluate(([u, k, o]) => (globalThis as unknown as PageGlobal).mpRtc.whip(u, k, o), [url, streamKey, options] as const);
  }

  whep(url: string): Promise<RtcExchange> {
    return this.page.evaluate((u) => (globalThis as unknown as PageGlobal).mpRtc.whep(u, {}), url);
  }

  /**
   * WHEP through a UdpThrottleRelay shaping the server → browser path to
   * `bitsPerSecond`: the answer's candidates are pointed at the relay.
   */
  async whepThrottled(url: string, bitsPerSecond: number): Promise<RtcExchange & { relay?: UdpThrottleRelay }> {
    const started: { relay?: UdpThrottleRelay } = {};
    await this.page.exposeFunction('mpRelayAnswer', async (sdp: string) => {
      const target = sdpCandidateTarget(sdp);
      if (!target) throw new Error('the answer has no UDP host candidate to relay');
      const relay = await UdpThrottleRelay.start({ target, downstreamBitsPerSecond: bitsPerSecond, queueMs: 250 });
      started.relay = relay;
      return rewriteCandidatesToRelay(sdp, relay.port);
    });
    const exchange = await this.page.evaluate((u) => (globalThis as unknown as PageGlobal).mpRtc.whep(u, { relay: true }), url);
    return { ...exchange, ...started };
  }

  /** A real receive-only offer (video + audio) of this browser, its peer closed at once: for load and churn tests. */
  recvOffer(): Promise<string> {
    return this.page.evaluate(() => (globalThis as unknown as PageGlobal).mpRtc.recvOffer());
  }

  stats(id: number): Promise<RtcPeerStatsInPage | undefined> {
    return this.page.evaluate((i) => (globalThis as unknown as PageGlobal).mpRtc.stats(i), id);
  }

  /** DELETEs the session resource and closes the peer; resolves with the DELETE's status. */
  remove(id: number): Promise<number> {
    return this.page.evaluate((i) => (globalThis as unknown as PageGlobal).mpRtc.remove(i), id);
  }
}
