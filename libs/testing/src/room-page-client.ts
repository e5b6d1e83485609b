import type { Page } from 'playwright-core';

/**
 * A room participant inside a Chromium page: the room WebSocket, one publish
 * peer (fake camera and microphone) and subscriptions, with the room's data
 * channel pre-negotiated on SCTP stream 0 (`negotiated: true, id: 0`), as the
 * SFU's rooms expect. Plain browser JavaScript, injected into the page.
 */
const PAGE_SCRIPT = `
window.mpRoom = (() => {
  const state = { ws: null, messages: [], data: [], pcs: [], channels: [], waiters: [], joined: null };
  let seq = 0;
  const gathered = (pc) => new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') resolve(); });
    setTimeout(resolve, 3000);
  });
  const waitFor = (match, ms = 20000) => new Promise((resolve, reject) => {
    const found = state.messages.find(match);
    if (found) return resolve(found);
    const timer = setTimeout(() => reject(new Error('timed out waiting for a room message')), ms);
    state.waiters.push({ match, resolve: (m) => { clearTimeout(timer); resolve(m); } });
  });
  const request = async (message) => {
    const requestId = 'r' + (++seq);
    state.ws.send(JSON.stringify({ ...message, requestId }));
    return waitFor((m) => m.requestId === requestId);
  };
  const channel = (pc) => {
    const dc = pc.createDataChannel('room', { negotiated: true, id: 0 });
    dc.onmessage = (e) => state.data.push(typeof e.data === 'string' ? e.data : '[binary]');
    state.channels.push(dc);
    return dc;
  };
  return {
    join(url) {
      return new Promise((resolve, reject) => {
        const ws = new WebSocket(url);
        state.ws = ws;
        ws.onmessage = (e) => {
          const m = JSON.parse(e.data);
          state.messages.push(m);
          state.waiters = state.waiters.filter((w) => (w.match(m) ? (w.resolve(m), false) : true));
          if (m.type === 'joined') { state.joined = m; resolve(m); }
          if (m.type === 'error' && !state.joined) reject(new Error(m.message));
        };
        ws.onclose = (e) => { if (!state.joined) reject(new Error('closed ' + e.code)); };
        ws.onerror = () => {};
      });
    },
    async publish(withData) {
      const media = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240, frameRate: 15 }, audio: true });
      const pc = new RTCPeerConnection();
      state.pcs.push(pc);
      for (const track of media.getTracks()) pc.addTransceiver(track, { direction: 'sendonly' });
      if (withData) channel(pc);
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc);
      const reply = await request({ type: 'publish', sdp: pc.localDescription.sdp });
      if (reply.type !== 'published') return reply;
      await pc.setRemoteDescription({ type: 'answer', sdp: reply.sdp });
      return reply;
    },
    async subscribe(producers) {
      const pc = new RTCPeerConnection();
      const index = state.pcs.push(pc) - 1;
      for (const p of producers) pc.addTransceiver(p.kind, { direction: 'recvonly' });
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc);
      const reply = await request({ type: 'subscribe', producerIds: producers.map((p) => p.producerId), sdp: pc.localDescription.sdp });
      if (reply.type !== 'subscribed') return reply;
      await pc.setRemoteDescription({ type: 'answer', sdp: reply.sdp });
      return { ...reply, pc: index };
    },
    async inbound(index) {
      const out = { framesDecoded: 0, audioBytes: 0 };
      (await state.pcs[index].getStats()).forEach((r) => {
        if (r.type === 'inbound-rtp' && r.kind === 'video') out.framesDecoded += r.framesDecoded || 0;
        if (r.type === 'inbound-rtp' && r.kind === 'audio') out.audioBytes += r.bytesReceived || 0;
      });
      return out;
    },
    channelOpen() { return state.channels.some((c) => c.readyState === 'open'); },
    sendData(text) { const c = state.channels.find((c) => c.readyState === 'open'); if (!c) return false; c.send(text); return true; },
    received() { return state.data.slice(); },
    messages() { return state.messages.map((m) => ({ ...m, sdp: undefined })); },
    send(raw) { state.ws.send(raw); },
    waitFor(type, ms) { return waitFor((m) => m.type === type, ms).then((m) => ({ ...m, sdp: undefined })); },
    leave() { state.ws.close(); state.pcs.forEach((pc) => pc.close()); },
  };
})();
`;

export interface RoomProducerInPage {
  producerId: string;
  kind: 'audio' | 'video';
  muted: boolean;
}

export interface RoomMessageInPage {
  type: string;
  requestId?: string;
  participantId?: string;
  participants?: Array<{ participantId: string; identity: string; producers: RoomProducerInPage[] }>;
  producers?: RoomProducerInPage[];
  producer?: RoomProducerInPage;
  participant?: { participantId: string; identity: string };
  code?: string;
  message?: string;
  pc?: number;
}

interface MpRoom {
  join(url: string): Promise<RoomMessageInPage>;
  publish(withData: boolean): Promise<RoomMessageInPage>;
  subscribe(producers: RoomProducerInPage[]): Promise<RoomMessageInPage>;
  inbound(index: number): Promise<{ framesDecoded: number; audioBytes: number }>;
  channelOpen(): boolean;
  sendData(text: string): boolean;
  received(): string[];
  messages(): RoomMessageInPage[];
  send(raw: string): void;
  waitFor(type: string, ms?: number): Promise<RoomMessageInPage>;
  leave(): void;
}

type PageGlobal = { mpRoom: MpRoom };

/** One room participant in its own page; `origin` must be an http://127.0.0.1 page. */
export class BrowserRoomClient {
  private constructor(readonly page: Page) {}

  static async open(page: Page, origin: string): Promise<BrowserRoomClient> {
    await page.goto(origin);
    await page.evaluate(PAGE_SCRIPT);
    return new BrowserRoomClient(page);
  }

  join(url: string): Promise<RoomMessageInPage> {
    return this.page.evaluate((u) => (globalThis as unknown as PageGlobal).mpRoom.join(u), url);
  }

  /** Publishes camera and microphone, with the room's data channel when `withData`. */
  publish(withData = true): Promise<RoomMessageInPage> {
    return this.page.evaluate((d) => (globalThis as unknown as PageGlobal).mpRoom.publish(d), withData);
  }

  subscribe(producers: RoomProducerInPage[]): Promise<RoomMessageInPage> {
    return this.page.evaluate((p) => (globalThis as unknown as PageGlobal).mpRoom.subscribe(p), producers);
  }

  inbound(pcIndex: number): Promise<{ framesDecoded: number; audioBytes: number }> {
    return this.page.evaluate((i) => (globalThis as unknown as PageGlobal).mpRoom.inbound(i), pcIndex);
  }

  channelOpen(): Promise<boolean> {
    return this.page.evaluate(() => (globalThis as unknown as PageGlobal).mpRoom.channelOpen());
  }

  sendData(text: string): Promise<boolean> {
    return this.page.evaluate((t) => (globalThis as unknown as PageGlobal).mpRoom.sendData(t), text);
  }

  received(): Promise<string[]> {
    return this.page.evaluate(() => (globalThis as unknown as PageGlobal).mpRoom.received());
  }

  messages(): Promise<RoomMessageInPage[]> {
    return this.page.evaluate(() => (globalThis as unknown as PageGlobal).mpRoom.messages());
  }

  sendRaw(raw: string): Promise<void> {
    return this.page.evaluate((r) => (globalThis as unknown as PageGlobal).mpRoom.send(r), raw);
  }

  waitFor(type: string, ms = 20_000): Promise<RoomMessageInPage> {
    return this.page.evaluate(([t, m]) => (globalThis as unknown as PageGlobal).mpRoom.waitFor(t, m), [type, ms] as const);
  }

  leave(): Promise<void> {
    return this.page.evaluate(() => (globalThis as unknown as PageGlobal).mpRoom.leave());
  }
}
