import { randomInt } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import type { PlainRtpStream, PlainRtpTarget, RtcPlainRtpOutput } from '../rtc-engine';
import type { WeriftProducer } from './werift-producer';

interface Leg {
  producer: WeriftProducer;
  socket: Socket;
  removeSink: () => void;
}

/**
 * Plain RTP out of werift: each producer's packets, as they arrive, are sent
 * unencrypted to the target port with the payload type and an SSRC of our own
 * (the publisher's SSRC is not known before its first packet, and the SDP must
 * name one). A simulcast producer sends its top layer only, so the receiver sees
 * one continuous sequence. No RTCP goes out: the receiver aligns the streams by
 * their first packets rather than by sender reports.
 */
export class WeriftPlainRtpOutput implements RtcPlainRtpOutput {
  private ended = false;

  private constructor(
    private readonly legs: readonly Leg[],
    readonly streams: readonly PlainRtpStream[],
  ) {}

  static open(sources: readonly WeriftProducer[], targets: readonly PlainRtpTarget[]): WeriftPlainRtpOutput {
    if (sources.length !== targets.length) throw new Error('sendPlainRtp(): one target per producer');
    const legs: Leg[] = [];
    const streams: PlainRtpStream[] = [];
    for (const [i, producer] of sources.entries()) {
      const target = targets[i] as PlainRtpTarget;
      const socket = createSocket(target.ip.includes(':') ? 'udp6' : 'udp4');
      // A receiver that is not listening yet answers with ICMP errors: they are not ours to report.
      socket.on('error', () => undefined);
      const { codec } = producer;
      const stream: PlainRtpStream = {
        kind: producer.kind,
        producerId: producer.id,
        mimeType: producer.mimeType,
        payloadType: codec.payloadType,
        clockRate: codec.clockRate,
        ...(codec.channels ? { channels: codec.channels } : {}),
        fmtp: codec.parameters ?? '',
        ssrc: randomInt(1, 2 ** 32 - 1),
        ip: target.ip,
        port: target.port,
      };
      const topLayer = producer.layers - 1;
      const removeSink = producer.addSink((layer, packet) => {
        if (layer !== topLayer) return;
        // A copy: the packet object is shared with every viewer's consumer.
        const bytes = packet.serialize();
        bytes[1] = (bytes[1]! & 0x80) | stream.payloadType;
        bytes.writeUInt32BE(stream.ssrc, 8);
        socket.send(bytes, target.port, target.ip);
      });
      legs.push({ producer, socket, removeSink });
      streams.push(stream);
    }
    const output = new WeriftPlainRtpOutput(legs, streams);
    for (const source of sources) source.once('closed', () => output.close());
    return output;
  }

  get closed(): boolean {
    return this.ended;
  }

  requestKeyFrame(): void {
    for (const { producer } of this.legs) producer.requestKeyFrame();
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    for (const leg of this.legs) {
      leg.removeSink();
      leg.socket.close();
    }
  }
}
