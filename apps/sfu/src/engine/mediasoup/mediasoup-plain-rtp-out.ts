import type { types } from 'mediasoup';
import type { PlainRtpStream, PlainRtpTarget, RtcPlainRtpOutput } from '../rtc-engine';
import type { MediasoupProducer } from './mediasoup-producer';

interface Leg {
  transport: types.PlainTransport;
  consumer: types.Consumer;
}

/**
 * Plain RTP out of mediasoup: one PlainTransport per producer, on loopback,
 * connected (comedia off: we name the target) to the receiver's RTP port and
 * the RTCP port after it (no rtcp-mux: FFmpeg's RTP demuxer listens on both and
 * uses the sender reports to line audio up with video).
 */
export class MediasoupPlainRtpOutput implements RtcPlainRtpOutput {
  private ended = false;

  private constructor(
    private readonly legs: readonly Leg[],
    readonly streams: readonly PlainRtpStream[],
  ) {}

  static async open(sources: readonly MediasoupProducer[], targets: readonly PlainRtpTarget[]): Promise<MediasoupPlainRtpOutput> {
    if (sources.length !== targets.length) throw new Error('sendPlainRtp(): one target per producer');
    const legs: Leg[] = [];
    const streams: PlainRtpStream[] = [];
    try {
      for (const [i, source] of sources.entries()) {
        const target = targets[i] as PlainRtpTarget;
        const router = source.router;
        const transport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: false, comedia: false });
        // Paused until every leg is connected, so no stream starts before the others have a target.
        const consumer = await transport.consume({ producerId: source.id, rtpCapabilities: router.rtpCapabilities, paused: true }).catch((error: unknown) => {
          transport.close();
          throw error;
        });
        legs.push({ transport, consumer });
        await transport.connect({ ip: target.ip, port: target.port, rtcpPort: target.port + 1 });
        streams.push(describe(source, consumer, target));
        source.producer.observer.once('close', () => transport.close());
      }
    } catch (error) {
      for (const leg of legs) leg.transport.close();
      throw error;
    }
    return new MediasoupPlainRtpOutput(legs, streams);
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Starts the flow; mediasoup asks the publisher for a keyframe when a video consumer resumes. */
  async start(): Promise<void> {
    await Promise.all(this.legs.map((leg) => leg.consumer.resume()));
  }

  requestKeyFrame(): void {
    for (const { consumer } of this.legs) {
      if (consumer.kind === 'video' && !consumer.closed) void consumer.requestKeyFrame().catch(() => undefined);
    }
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    for (const leg of this.legs) leg.transport.close();
  }
}

function describe(source: MediasoupProducer, consumer: types.Consumer, target: PlainRtpTarget): PlainRtpStream {
  const codec = consumer.rtpParameters.codecs[0];
  const ssrc = consumer.rtpParameters.encodings?.[0]?.ssrc;
  if (!codec || ssrc === undefined) throw new Error(`consumer of ${source.kind} producer has no codec or ssrc`);
  const fmtp = Object.entries(codec.parameters ?? {})
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(';');
  return {
    kind: source.kind,
    producerId: source.id,
    mimeType: source.mimeType,
    payloadType: codec.payloadType,
    clockRate: codec.clockRate,
    ...(codec.channels ? { channels: codec.channels } : {}),
    fmtp,
    ssrc,
    ip: target.ip,
    port: target.port,
  };
}
