import { RTCPeerConnection, useAbsSendTime, useSdesMid, useSdesRTPStreamId } from 'werift';
import type { RtcEngine, RtcEngineOptions, RtcEngineStats, RtcRouter } from '../rtc-engine';
import { patchWeriftDuplicateHelloVerifyRequest } from '@mediaplane/media-io/werift';
import { weriftAudioCodecs, weriftVideoCodecs } from './werift-codecs';
import { WeriftRegistry } from './werift-registry';
import { WeriftRouter, type WeriftPeerFactory } from './werift-router';

/**
 * The pure-TypeScript engine, used where no mediasoup worker exists: every
 * peer is a werift RTCPeerConnection in this process, bound to listenIp
 * within the RTC port range, announcing announcedAddress in its candidates.
 */
export class WeriftEngine implements RtcEngine {
  readonly name = 'werift' as const;
  private readonly registry = new WeriftRegistry();
  private readonly peerFactory: WeriftPeerFactory;
  private closed = false;
  /** Tail of the queue of peers binding their ICE socket (see WeriftPeerFactory.bindSerially). */
  private binding: Promise<void> = Promise.resolve();

  private constructor(private readonly options: RtcEngineOptions) {
    const { listenIp, announcedAddress, rtcMinPort, rtcMaxPort } = options;
    this.peerFactory = {
      create: () =>
        new RTCPeerConnection({
          codecs: { audio: weriftAudioCodecs(), video: weriftVideoCodecs() },
          // mid and rid let werift route simulcast layers (one SSRC each) to their section and rid.
          // abs-send-time (werift's sender stamps it) gives a Chromium viewer the arrival-time
          // estimator behind its REMB; without it the estimate follows RTP timestamps and swings
          // with the machine's load.
          headerExtensions: { audio: [useSdesMid()], video: [useSdesMid(), useSdesRTPStreamId(), useAbsSendTime()] },
          icePortRange: [rtcMinPort, rtcMaxPort],
          // Only the configured address: no host-interface enumeration, no STUN, no TCP.
          iceUseIpv4: false,
          iceUseIpv6: false,
          iceInterfaceAddresses: { udp4: listenIp },
          iceAdditionalHostAddresses: [announcedAddress ?? listenIp],
          iceUseTcp: false,
          bundlePolicy: 'max-bundle',
        }),
      bindSerially: (gather) => {
        const run = this.binding.then(gather);
        this.binding = run.then(
          () => undefined,
          () => undefined,
        );
        return run;
      },
    };
  }

  static async create(options: RtcEngineOptions): Promise<RtcEngine> {
    if (!(options.rtcMinPort > 0 && options.rtcMaxPort > options.rtcMinPort && options.rtcMaxPort <= 65535)) {
      throw new Error(`werift engine: invalid RTC port range ${options.rtcMinPort}-${options.rtcMaxPort}`);
    }
    if (!patchWeriftDuplicateHelloVerifyRequest()) {
      options.log?.('warn', { engine: 'werift' }, 'werift DTLS duplicate-HelloVerifyRequest patch not applied (werift changed?)');
    }
    const engine = new WeriftEngine(options);
    options.log?.('info', { engine: 'werift', listenIp: options.listenIp, ports: `${options.rtcMinPort}-${options.rtcMaxPort}` }, 'werift engine ready');
    return engine;
  }

  async createRouter(label: string): Promise<RtcRouter> {
    if (this.closed) throw new Error('werift engine is closed');
    return new WeriftRouter(label, this.peerFactory, this.registry);
  }

  stats(): RtcEngineStats {
    return {
      workers: 0,
      routers: this.registry.routers.size,
      peers: this.registry.peers.size,
      producers: this.registry.producers.size,
      consumers: this.registry.consumers.size,
      dataChannels: this.registry.dataChannels.size,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const router of [...this.registry.routers]) router.close();
  }
}
