import { RTCPeerConnection, RTCRtpCodecParameters, RtcpPayloadSpecificFeedback, RtpHeader, RtpPacket, type RTCRtpTransceiver } from 'werift';

/**
 * A WHIP publisher of synthetic media shaped like a 720p30 camera at a set
 * bitrate: VP8 frames of bitrate/8/fps bytes on average (a keyframe every
 * GOP and on every PLI/FIR, five times a delta frame's size), packetized into
 * ≤ 1,100-byte RTP payloads with the VP8 descriptor and keyframe header an
 * SFU looks at, plus Opus-sized audio every 20 ms. No encoder runs, so the
 * source costs the bench almost nothing and its rate is exact. Real
 * ICE/DTLS/SRTP over werift, as the SFU's test peer.
 */

export interface SyntheticPublisherOptions {
  videoBitsPerSecond: number;
  fps?: number;
  gopFrames?: number;
  audioBytesPerPacket?: number;
  address?: string;
}

const VIDEO_PT = 96;
const AUDIO_PT = 111;
const MAX_PAYLOAD = 1100;
const KEYFRAME_WEIGHT = 5;

export class SyntheticPublisher {
  /** RTP payload bytes sent, video and audio. */
  readonly sent = { videoBytes: 0, audioBytes: 0, videoFrames: 0, keyframes: 0 };
  keyframeRequests = 0;
  private readonly pc: RTCPeerConnection;
  private readonly video: RTCRtpTransceiver;
  private readonly audio: RTCRtpTransceiver;
  private timer?: NodeJS.Timeout;
  private location?: string;
  private keyframePending = true;
  private frameInGop = 0;
  private videoSeq = Math.floor(Math.random() * 65536);
  private audioSeq = Math.floor(Math.random() * 65536);
  private videoTs = Math.floor(Math.random() * 2 ** 32);
  private audioTs = Math.floor(Math.random() * 2 ** 32);
  private readonly fps: number;
  private readonly gopFrames: number;
  private readonly deltaBytes: number;
  private readonly keyBytes: number;
  private readonly audioPayload: Buffer;

  constructor(options: SyntheticPublisherOptions) {
    const address = options.address ?? '127.0.0.1';
    this.fps = options.fps ?? 30;
    this.gopFrames = options.gopFrames ?? 60;
    // Over one GOP: (gop − 1) delta frames + one keyframe of KEYFRAME_WEIGHT deltas = the GOP's byte budget.
    const gopBytes = (options.videoBitsPerSecond / 8 / this.fps) * this.gopFrames;
    this.deltaBytes = Math.round(gopBytes / (this.gopFrames - 1 + KEYFRAME_WEIGHT));
    this.keyBytes = this.deltaBytes * KEYFRAME_WEIGHT;
    this.audioPayload = Buffer.concat([Buffer.from([0xfc]), Buffer.alloc((options.audioBytesPerPacket ?? 160) - 1, 0x33)]);
    this.pc = new RTCPeerConnection({
      codecs: {
        audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: AUDIO_PT })],
        video: [
          new RTCRtpCodecParameters({
            mimeType: 'video/VP8',
            clockRate: 90000,
            payloadType: VIDEO_PT,
            rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }],
          }),
        ],
      },
      iceUseIpv4: false,
      iceUseIpv6: false,
      iceAdditionalHostAddresses: [address],
      iceInterfaceAddresses: { udp4: address },
      bundlePolicy: 'max-bundle',
    });
    this.audio = this.pc.addTransceiver('audio', { direction: 'sendonly' });
    this.video = this.pc.addTransceiver('video', { direction: 'sendonly' });
    this.video.sender.onRtcp.subscribe((packet) => {
      // Payload-specific feedback 1 is PLI, 4 is FIR.
      if (packet instanceof RtcpPayloadSpecificFeedback && (packet.feedback.count === 1 || packet.feedback.count === 4)) {
        this.keyframeRequests++;
        this.keyframePending = true;
      }
    });
  }

  /** The configured rate of RTP payload, bits per second (video + audio). */
  get payloadBitsPerSecond(): number {
    const videoPerGop = this.deltaBytes * (this.gopFrames - 1) + this.keyBytes;
    return ((videoPerGop * this.fps) / this.gopFrames) * 8 + this.audioPayload.length * 50 * 8;
  }

  /** WHIP POST with the stream key, waits for ICE+DTLS, then sends in real time until stop(). */
  async publish(whipUrl: string, streamKey: string, timeoutMs = 20_000): Promise<void> {
    await this.pc.setLocalDescription(await this.pc.createOffer());
    await new Promise<void>((resolve) => {
      if (this.pc.iceGatheringState === 'complete') return resolve();
      this.pc.iceGatheringStateChange.subscribe((state) => state === 'complete' && resolve());
    });
    const res = await fetch(whipUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/sdp', authorization: `Bearer ${streamKey}` },
      body: this.pc.localDescription?.sdp,
    });
    const body = await res.text();
    if (res.status !== 201) throw new Error(`WHIP POST answered ${res.status}: ${body.slice(0, 200)}`);
    this.location = new URL(res.headers.get('location') ?? '', whipUrl).toString();
    await this.pc.setRemoteDescription({ type: 'answer', sdp: body });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`publisher not connected after ${timeoutMs} ms`)), timeoutMs);
      const check = (state: string): void => {
        if (state === 'connected') {
          clearTimeout(timer);
          resolve();
        }
      };
      check(this.pc.connectionState);
      this.pc.connectionStateChange.subscribe(check);
    });
    this.startClock();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    if (this.location) await fetch(this.location, { method: 'DELETE' }).catch(() => undefined);
    await this.pc.close().catch(() => undefined);
  }

  /** Sends what is due every 5 ms against the wall clock, so timer jitter does not change the rate. */
  private startClock(): void {
    const started = performance.now();
    let frames = 0;
    let audioPackets = 0;
    this.timer = setInterval(() => {
      const elapsed = performance.now() - started;
      while (frames * (1000 / this.fps) <= elapsed) {
        this.sendFrame();
        frames++;
      }
      while (audioPackets * 20 <= elapsed) {
        this.sendAudio();
        audioPackets++;
      }
    }, 5);
  }

  private sendFrame(): void {
    const keyframe = this.keyframePending || this.frameInGop % this.gopFrames === 0;
    if (keyframe) this.frameInGop = 0;
    this.keyframePending = false;
    this.frameInGop++;
    this.videoTs = (this.videoTs + Math.round(90000 / this.fps)) >>> 0;
    const size = keyframe ? this.keyBytes : this.deltaBytes;
    // VP8 frame tag (bit 0 clear on a keyframe, show_frame set); a keyframe carries the start code and 1280x720.
    const header = keyframe ? [0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x00, 0x05, 0xd0, 0x02] : [0x11, 0x02, 0x00];
    const frame = Buffer.concat([Buffer.from(header), Buffer.alloc(Math.max(0, size - header.length), 0x5a)]);
    for (let offset = 0; offset < frame.length; offset += MAX_PAYLOAD - 1) {
      const chunk = frame.subarray(offset, offset + MAX_PAYLOAD - 1);
      const last = offset + MAX_PAYLOAD - 1 >= frame.length;
      // VP8 payload descriptor: S (start of partition) on the frame's first packet, partition 0.
      const payload = Buffer.concat([Buffer.from([offset === 0 ? 0x10 : 0x00]), chunk]);
      this.videoSeq = (this.videoSeq + 1) & 0xffff;
      const rtp = new RtpPacket(new RtpHeader({ payloadType: VIDEO_PT, sequenceNumber: this.videoSeq, timestamp: this.videoTs, marker: last }), payload);
      this.sent.videoBytes += payload.length;
      void this.video.sender.sendRtp(rtp).catch(() => undefined);
    }
    this.sent.videoFrames++;
    if (keyframe) this.sent.keyframes++;
  }

  private sendAudio(): void {
    this.audioSeq = (this.audioSeq + 1) & 0xffff;
    this.audioTs = (this.audioTs + 960) >>> 0;
    const rtp = new RtpPacket(
      new RtpHeader({ payloadType: AUDIO_PT, sequenceNumber: this.audioSeq, timestamp: this.audioTs, marker: true }),
      this.audioPayload,
    );
    this.sent.audioBytes += this.audioPayload.length;
    void this.audio.sender.sendRtp(rtp).catch(() => undefined);
  }
}
