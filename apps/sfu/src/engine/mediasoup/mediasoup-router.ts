import { randomUUID } from 'node:crypto';
import type { types } from 'mediasoup';
import {
  RtcNegotiationError,
  type PlainRtpTarget,
  type RtcPeerOptions,
  type RtcPlainRtpOutput,
  type RtcPlainRtpReceiveResult,
  type RtcPlainRtpSource,
  type RtcProducer,
  type RtcReceiveResult,
  type RtcRouter,
  type RtcSendResult,
} from '../rtc-engine';
import { ROUTER_MEDIA_CODECS } from './media-codecs';
import { MediasoupConsumer } from './mediasoup-consumer';
import { MediasoupDataChannel } from './mediasoup-data-channel';
import { MediasoupPeer } from './mediasoup-peer';
import { MediasoupPlainRtpOutput } from './mediasoup-plain-rtp-out';
import { receivePlainRtp } from './mediasoup-plain-rtp';
import { MediasoupProducer } from './mediasoup-producer';
import type { EngineContext, RouterHome } from './engine-context';
import { MediaStreamIds } from '../media-stream-id';
import { writeAnswer, type AnswerSection } from './sdp/answer-sdp';
import { consumerCapabilities } from './sdp/consumer-capabilities';
import { parseOffer, type OfferSection, type ParsedOffer } from './sdp/offer-sdp';
import { producerSection } from './sdp/producer-parameters';
import { numberedMediaCodecs, numberingKey, routerNumbersAlike, viewerCodec, type ViewerCodec } from './payload-numbering';

/**
 * An RtcRouter that outlives its mediasoup routers: its home router lives on
 * one worker; when that worker dies, its peers close (clients reconnect) and
 * the next receive/send builds a new home on a live worker. Viewers beyond
 * spillConsumersAt on a router go to spill routers on other workers, each fed
 * by pipeToRouter from the publisher's router.
 */
export class MediasoupRouter implements RtcRouter {
  readonly id = randomUUID();
  private home?: Promise<RouterHome>;
  private readonly spills: RouterHome[] = [];
  private pendingSpill?: Promise<RouterHome>;
  /** Routers numbering codecs as some viewers do, by base router and numbering. */
  private readonly numbered = new Map<string, Promise<RouterHome>>();
  private readonly peers = new Set<MediasoupPeer>();
  private ended = false;
  private lostHome = false;

  constructor(
    readonly label: string,
    private readonly ctx: EngineContext,
    private readonly onClose: () => void,
  ) {}

  get closed(): boolean {
    return this.ended;
  }

  /** Builds the home router now (engine start, and after its worker died). */
  async ensureHome(): Promise<RouterHome> {
    if (this.ended) throw new Error(`router ${this.label} is closed`);
    this.home ??= this.createMsRouter('home');
    try {
      return await this.home;
    } catch (error) {
      this.home = undefined;
      throw error;
    }
  }

  async receive(offerSdp: string, options: RtcPeerOptions): Promise<RtcReceiveResult> {
    const offer = parseOffer(offerSdp);
    const home = await this.ensureHome();
    const caps = home.router.rtpCapabilities;
    const planned = offer.sections.map((section) => (section.remoteSends ? producerSection(section, caps) : undefined));
    const dataSection = this.dataSection(offer);
    if (!planned.some(Boolean) && !(dataSection && options.enableDataChannel)) {
      throw new RtcNegotiationError('the offer sends no audio or video the SFU routes (Opus, VP8, H.264 packetization-mode 1)');
    }
    const peer = await this.createPeer(home, offer, options, dataSection !== undefined);
    try {
      const producers: MediasoupProducer[] = [];
      const answer: AnswerSection[] = [];
      for (const section of offer.sections) {
        const plan = planned[section.index];
        if (plan) {
          const producer = await this.produce(peer, home, plan.kind, plan.rtpParameters);
          producers.push(producer);
          answer.push({ type: 'recv', section, rtpParameters: plan.rtpParameters, rids: plan.rids });
        } else answer.push(section === dataSection ? { type: 'data', section } : { type: 'rejected', section });
      }
      return { answerSdp: this.answer(peer, offer, answer), peer, producers };
    } catch (error) {
      peer.close();
      throw error;
    }
  }

  async send(offerSdp: string, producers: readonly RtcProducer[], options: RtcPeerOptions): Promise<RtcSendResult> {
    const offer = parseOffer(offerSdp);
    const sources = producers.map((p) => {
      if (!(p instanceof MediasoupProducer)) throw new Error('send(): producers must come from the mediasoup engine');
      return p;
    });
    const dataSection = this.dataSection(offer);
    // Each receiving section takes the next unused producer of its kind whose codec it offers.
    const used = new Set<MediasoupProducer>();
    const planned = new Map<OfferSection, { source: MediasoupProducer; codec: ViewerCodec }>();
    for (const section of offer.sections) {
      if (section.kind === 'application' || !section.remoteReceives) continue;
      const source = sources.find((p) => p.kind === section.kind && !p.closed && !used.has(p));
      const producerCodec = source?.producer.rtpParameters.codecs[0];
      const codec = producerCodec ? viewerCodec(section, producerCodec) : undefined;
      if (!source || !codec) continue;
      used.add(source);
      planned.set(section, { source, codec });
    }
    if (planned.size === 0 && !(dataSection && options.enableDataChannel)) {
      throw new RtcNegotiationError('no receiving section of the offer matches a producer (by kind and codec)');
    }
    const target = await this.consumerHome();
    const view = await this.viewRouter(
      target,
      [...planned.values()].map((p) => p.codec),
    );
    const peer = await this.createPeer(view, offer, options, dataSection !== undefined);
    try {
      const consumers: MediasoupConsumer[] = [];
      const streamIds = new MediaStreamIds(options);
      const answer: AnswerSection[] = [];
      for (const section of offer.sections) {
        const plan = planned.get(section);
        const consumer = plan ? await this.consume(peer, target, view, plan.source, section) : undefined;
        if (plan && consumer) {
          consumers.push(consumer);
          answer.push({
            type: 'send',
            section,
            rtpParameters: consumer.consumer.rtpParameters,
            streamId: streamIds.of(plan.source, consumer.id),
            trackId: consumer.id,
          });
        } else answer.push(section === dataSection ? { type: 'data', section } : { type: 'rejected', section });
      }
      return { answerSdp: this.answer(peer, offer, answer), peer, consumers };
    } catch (error) {
      peer.close();
      throw error;
    }
  }

  async sendPlainRtp(producers: readonly RtcProducer[], targets: readonly PlainRtpTarget[]): Promise<RtcPlainRtpOutput> {
    if (this.ended) throw new Error(`router ${this.label} is closed`);
    const sources = producers.map((p) => {
      if (!(p instanceof MediasoupProducer)) throw new Error('sendPlainRtp(): producers must come from the mediasoup engine');
      return p;
    });
    const output = await MediasoupPlainRtpOutput.open(sources, targets);
    await output.start();
    return output;
  }

  /** Plain-RTP producers live on the home router, like a WHIP publisher's (see mediasoup-plain-rtp.ts). */
  async receivePlainRtp(sources: readonly RtcPlainRtpSource[], options: { label: string }): Promise<RtcPlainRtpReceiveResult> {
    return receivePlainRtp(await this.ensureHome(), this.ctx, sources, options.label);
  }

  /** A router on target's worker numbering codecs as this viewer does (see payload-numbering.ts); target itself when it already does. */
  private async viewRouter(target: RouterHome, codecs: readonly ViewerCodec[]): Promise<RouterHome> {
    if (codecs.length === 0 || routerNumbersAlike(target.router.rtpCapabilities, codecs)) return target;
    const key = `${target.router.id}|${numberingKey(codecs)}`;
    let view = this.numbered.get(key);
    if (!view) {
      view = (async () => {
        const router = await target.slot.worker.createRouter({ mediaCodecs: numberedMediaCodecs(codecs), appData: { label: this.label } });
        target.slot.routers++;
        const home: RouterHome = { slot: target.slot, router, consumers: 0 };
        router.observer.once('close', () => {
          target.slot.routers--;
          this.numbered.delete(key);
        });
        target.router.observer.once('close', () => router.close());
        return home;
      })();
      view.catch(() => this.numbered.delete(key));
      this.numbered.set(key, view);
    }
    try {
      return await view;
    } catch (error) {
      // Numbers that collide in mediasoup's allocation: serve from the target with its own numbering.
      this.ctx.log('warn', { router: this.label, codecs: numberingKey(codecs), error: (error as Error).message }, 'cannot number codecs as the viewer does');
      return target;
    }
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.onClose();
    for (const peer of [...this.peers]) peer.close();
    void this.home?.then((h) => h.router.close()).catch(() => undefined);
    void this.pendingSpill?.then((h) => h.router.close()).catch(() => undefined);
    for (const spill of this.spills.splice(0)) spill.router.close();
    for (const view of this.numbered.values()) void view.then((h) => h.router.close()).catch(() => undefined);
    this.home = undefined;
  }

  /**
   * The offer's SCTP section. It is accepted even without enableDataChannel
   * (the association comes up, no channel is exposed, messages go nowhere):
   * some stacks (werift) never finish connecting when it is rejected.
   */
  private dataSection(offer: ParsedOffer): OfferSection | undefined {
    return offer.sections.find((s) => s.kind === 'application' && s.media.port !== 0 && /SCTP/i.test(s.media.protocol));
  }

  private async createMsRouter(role: 'home' | 'spill', exclude?: RouterHome): Promise<RouterHome> {
    const slot = await this.ctx.pool.acquire(exclude?.slot);
    const router = await slot.worker.createRouter({ mediaCodecs: ROUTER_MEDIA_CODECS, appData: { label: this.label } });
    slot.routers++;
    const home: RouterHome = { slot, router, consumers: 0 };
    if (role === 'home' && this.lostHome) {
      this.lostHome = false;
      this.ctx.log('warn', { router: this.label, worker: slot.index, pid: slot.worker.pid }, 'router re-homed on a live worker');
    }
    router.observer.once('close', () => {
      slot.routers--;
      if (this.ended) return;
      if (role === 'home') {
        this.home = undefined;
        this.lostHome = true;
        this.ctx.log('warn', { router: this.label, worker: slot.index }, 'router lost its worker; its peers were closed');
      } else {
        const index = this.spills.indexOf(home);
        if (index >= 0) this.spills.splice(index, 1);
      }
    });
    return home;
  }

  /** The home router while it has room for viewers, else a spill router (on another worker when there is one). */
  private async consumerHome(): Promise<RouterHome> {
    const home = await this.ensureHome();
    if (home.consumers < this.ctx.spillConsumersAt) return home;
    const open = this.spills.find((s) => !s.router.closed && s.consumers < this.ctx.spillConsumersAt);
    if (open) return open;
    this.pendingSpill ??= this.createMsRouter('spill', home)
      .then((spill) => {
        if (this.ended) {
          spill.router.close();
          throw new Error(`router ${this.label} is closed`);
        }
        this.spills.push(spill);
        this.ctx.log('info', { router: this.label, worker: spill.slot.index, consumers: home.consumers }, 'viewers spill over to a piped router');
        return spill;
      })
      .finally(() => {
        this.pendingSpill = undefined;
      });
    return this.pendingSpill;
  }

  private async createPeer(home: RouterHome, offer: ParsedOffer, options: RtcPeerOptions, withSctp: boolean): Promise<MediasoupPeer> {
    const transport = await home.router.createWebRtcTransport({
      webRtcServer: home.slot.webRtcServer,
      enableUdp: true,
      enableTcp: true,
      preferUdp: true,
      enableSctp: withSctp,
      initialAvailableOutgoingBitrate: 1_000_000,
    });
    const peer = new MediasoupPeer(transport, options.label, this.ctx.timeouts, (level, fields, message) =>
      this.ctx.log(level, { ...fields, router: this.label }, message),
    );
    this.peers.add(peer);
    this.ctx.counts.peers++;
    peer.once('closed', () => {
      this.peers.delete(peer);
      this.ctx.counts.peers--;
    });
    try {
      if (options.maxIncomingBitrate) await transport.setMaxIncomingBitrate(options.maxIncomingBitrate);
      await transport.connect({ dtlsParameters: offer.remoteDtls });
      if (withSctp && options.enableDataChannel) {
        const channel = await MediasoupDataChannel.create(transport, home.router);
        peer.dataChannel = channel;
        this.ctx.counts.dataChannels++;
        channel.once('closed', () => this.ctx.counts.dataChannels--);
      }
    } catch (error) {
      peer.close();
      throw error;
    }
    return peer;
  }

  private async produce(peer: MediasoupPeer, home: RouterHome, kind: 'audio' | 'video', rtpParameters: types.RtpParameters): Promise<MediasoupProducer> {
    let producer: types.Producer;
    try {
      producer = await peer.transport.produce({ kind, rtpParameters });
    } catch (error) {
      throw new RtcNegotiationError(`the ${kind} section cannot be received: ${(error as Error).message}`);
    }
    peer.producers.add(producer);
    this.ctx.counts.producers++;
    const wrapped = new MediasoupProducer(producer, home.router, peer.id);
    wrapped.once('closed', () => {
      peer.producers.delete(producer);
      this.ctx.counts.producers--;
    });
    return wrapped;
  }

  /** Consumes source on target's router (through a pipe when the source lives elsewhere); undefined when the codecs don't meet. */
  private async consume(
    peer: MediasoupPeer,
    target: RouterHome,
    view: RouterHome,
    source: MediasoupProducer,
    section: OfferSection,
  ): Promise<MediasoupConsumer | undefined> {
    const rtpCapabilities = consumerCapabilities(section);
    const producerId = (await this.producerOn(source, view.router)).id;
    if (!view.router.canConsume({ producerId, rtpCapabilities })) return undefined;
    const consumer = await peer.transport.consume({
      producerId,
      rtpCapabilities,
      paused: false,
      mid: section.mid,
      enableRtx: true,
      ...(source.viewersStartOnLowestLayer ? { preferredLayers: { spatialLayer: 0 } } : {}),
    });
    peer.consumers.add(consumer);
    target.consumers++;
    target.slot.consumers++;
    this.ctx.counts.consumers++;
    const wrapped = new MediasoupConsumer(consumer, source.id, source.layers, source.viewersStartOnLowestLayer);
    source.consumers.add(wrapped);
    wrapped.once('closed', () => {
      peer.consumers.delete(consumer);
      source.consumers.delete(wrapped);
      target.consumers--;
      target.slot.consumers--;
      this.ctx.counts.consumers--;
    });
    if (consumer.kind === 'video') wrapped.requestKeyFrame();
    return wrapped;
  }

  /** The source producer itself on its own router, else its pipe producer on `router` (made once per router). */
  private producerOn(source: MediasoupProducer, router: types.Router): Promise<types.Producer> | types.Producer {
    if (source.router === router) return source.producer;
    let pipe = source.pipes.get(router.id);
    if (!pipe) {
      // keepId: false — mediasoup 3.27.1 refuses to reuse the id when both routers share a worker.
      pipe = source.router.pipeToRouter({ producerId: source.id, router, keepId: false }).then(({ pipeProducer }) => {
        if (!pipeProducer) throw new Error('pipeToRouter returned no producer');
        pipeProducer.observer.once('close', () => source.pipes.delete(router.id));
        return pipeProducer;
      });
      pipe.catch(() => source.pipes.delete(router.id));
      source.pipes.set(router.id, pipe);
    }
    return pipe;
  }

  private answer(peer: MediasoupPeer, offer: ParsedOffer, sections: AnswerSection[]): string {
    const t = peer.transport;
    return writeAnswer(
      { iceParameters: t.iceParameters, iceCandidates: t.iceCandidates, dtlsParameters: t.dtlsParameters, setup: offer.answerSetup },
      sections,
    );
  }
}
