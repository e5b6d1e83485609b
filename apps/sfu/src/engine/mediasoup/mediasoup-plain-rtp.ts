import { randomUUID } from 'node:crypto';
import type { types } from 'mediasoup';
import { RtcNegotiationError, type RtcPlainRtpInput, type RtcPlainRtpReceiveResult, type RtcPlainRtpSource } from '../rtc-engine';
import type { EngineContext, RouterHome } from './engine-context';
import { MediasoupProducer } from './mediasoup-producer';

/** Plain RTP is for processes on this host: the ports never listen beyond loopback. */
const LOOPBACK = '127.0.0.1';

/**
 * Producers fed by a local RTP sender (FFmpeg's `-f rtp`): one PlainTransport
 * per source on loopback, comedia (the sender's address is learnt from its
 * first packet, so FFmpeg needs no port of its own). RTCP gets a port of its
 * own: FFmpeg sends it from another socket than RTP, and with rtcp-mux the
 * first sender report would be learnt as the source and every RTP packet
 * ignored as coming from an unknown port (a relay sends both from one socket,
 * so its transport muxes them: `rtcpMux`). Keyframes are traced so callers can see
 * when a joining viewer's first decodable picture went out.
 */
export async function receivePlainRtp(
  home: RouterHome,
  ctx: EngineContext,
  sources: readonly RtcPlainRtpSource[],
  label: string,
): Promise<RtcPlainRtpReceiveResult> {
  const transports: types.PlainTransport[] = [];
  const close = () => {
    for (const transport of transports) transport.close();
  };
  // One sender (the bridge's FFmpeg) for all of them: its audio and video are one source to viewers.
  const sourceId = randomUUID();
  try {
    const inputs: RtcPlainRtpInput[] = [];
    for (const source of sources) {
      // A relay sends RTP and RTCP from one socket (rtcp-mux); FFmpeg does not (see above).
      const rtcpMux = source.rtcpMux === true || source.catchUpSsrc !== undefined;
      const transport = await home.router.createPlainTransport({
        listenInfo: { protocol: 'udp', ip: LOOPBACK },
        rtcpMux,
        comedia: true,
        appData: { label },
      });
      transports.push(transport);
      const port = transport.tuple.localPort;
      inputs.push({ producer: await produce(transport, home, ctx, source, sourceId), ip: LOOPBACK, port, rtcpPort: rtcpMux ? port : rtcpPort(transport) });
    }
    return { inputs, close };
  } catch (error) {
    close();
    throw error;
  }
}

function rtcpPort(transport: types.PlainTransport): number {
  const tuple = transport.rtcpTuple;
  if (!tuple) throw new Error('a plain transport without rtcp-mux has no RTCP port');
  return tuple.localPort;
}

async function produce(
  transport: types.PlainTransport,
  home: RouterHome,
  ctx: EngineContext,
  source: RtcPlainRtpSource,
  sourceId: string,
): Promise<MediasoupProducer> {
  let producer: types.Producer;
  try {
    producer = await transport.produce({
      kind: source.kind,
      rtpParameters: {
        codecs: [
          {
            mimeType: source.mimeType,
            payloadType: source.payloadType,
            clockRate: source.clockRate,
            ...(source.channels ? { channels: source.channels } : {}),
            parameters: source.parameters ?? {},
          },
        ],
        // Simulcast by SSRC, lowest first: the catch-up layer is layer 0.
        encodings: source.catchUpSsrc !== undefined ? [{ ssrc: source.catchUpSsrc }, { ssrc: source.ssrc }] : [{ ssrc: source.ssrc }],
      },
    });
  } catch (error) {
    throw new RtcNegotiationError(`plain RTP ${source.kind} (${source.mimeType}) cannot be received: ${(error as Error).message}`);
  }
  ctx.counts.producers++;
  const wrapped = new MediasoupProducer(producer, home.router, sourceId, { viewersStartOnLowestLayer: source.catchUpSsrc !== undefined });
  wrapped.once('closed', () => ctx.counts.producers--);
  if (source.kind === 'video') {
    producer.on('trace', (trace) => {
      if (trace.type === 'keyframe') wrapped.emit('keyframe');
    });
    await producer.enableTraceEvent(['keyframe']);
  }
  return wrapped;
}
