/**
 * One encoder session of the fake scrcpy-server, as MediaCodec gives them to scrcpy's SurfaceEncoder: a config
 * packet (SPS + PPS, Annex B), then one access unit per packet with the key-frame flag on IDRs. FFmpeg draws and
 * encodes the picture (the same test source as the fake screenrecord) and writes FLV to us: FLV tags carry their
 * length, key flag and timestamp, so every packet is complete the moment its tag arrives (a raw H.264 pipe would
 * only show where an access unit ends when the next begins, one frame late), and the parameter sets come apart
 * from the frames like MediaCodec's BUFFER_FLAG_CODEC_CONFIG buffer.
 */
import type { ChildProcess } from 'node:child_process';
import {
  AVC_PACKET_TYPE_NALU,
  FLV_TAG_VIDEO,
  FlvDemuxer,
  avcToAnnexB,
  nalusToAnnexB,
  parseAvcDecoderConfigurationRecord,
  parseFlvVideoTagHeader,
  parseH264Sps,
} from '@mediaplane/codecs';
import { spawnTracked } from './child-processes';
import { ffmpegWallClockBarcodeFilter } from './clock-barcode';
import type { FakeDeviceProcesses } from './fake-adb-shell';
import { FakeDeviceChild } from './fake-device-child';
import { testSourceArgs } from './ffmpeg';

export interface ScrcpyVideoPacket {
  config: boolean;
  keyFrame: boolean;
  /** µs on the device's monotonic clock (0 for config packets). */
  ptsUs: number;
  /** Annex B: 00 00 00 01 before every NAL unit. */
  data: Buffer;
}

export interface FakeVideoEncoderOptions {
  width: number;
  height: number;
  fps: number;
  bitRate: number;
  /** Burn the wall-clock barcode into the picture (clock-barcode.ts), like the fake screenrecord. */
  clockBarcode: boolean;
  /** A clip from encodeScreenrecordClip, copied in real time instead of encoding (its own size then). */
  clip: string;
  ffmpegPath: string;
  /** The device's monotonic clock in µs (scrcpy's PTS are CLOCK_MONOTONIC, continuing across encoder restarts). */
  clockUs: () => number;
}

/** scrcpy's SurfaceEncoder.DEFAULT_I_FRAME_INTERVAL: MediaCodec sends an IDR every 10 s. */
const I_FRAME_INTERVAL_S = 10;

/**
 * x264 prefixes its first frame with an SEI carrying its version string; Android encoders do not, so scrcpy's
 * first key frame is the IDR slices alone. filter_units drops it (SPS/PPS in the config record are untouched).
 */
const DROP_SEI = ['-bsf:v', 'filter_units=remove_types=6'];

export class FakeVideoEncoder extends FakeDeviceChild {
  private readonly demuxer = new FlvDemuxer();
  private lengthSize = 4;
  private anchor: { tsMs: number; clockUs: number } | undefined;
  private stderr = '';
  /** The size in the SPS (for a clip, its own size), known with the first config packet. */
  size: { width: number; height: number } | undefined;

  private constructor(
    child: ChildProcess,
    private readonly options: FakeVideoEncoderOptions,
    private readonly onPacket: (packet: ScrcpyVideoPacket) => void,
  ) {
    super(child);
    child.stderr?.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-2000)));
  }

  static start(options: FakeVideoEncoderOptions, processes: FakeDeviceProcesses, onPacket: (packet: ScrcpyVideoPacket) => void): FakeVideoEncoder {
    const input = options.clip ? clipArgs(options.clip) : encodeArgs(options);
    const args = [...input, ...DROP_SEI, '-flush_packets', '1', '-flvflags', 'no_duration_filesize', '-f', 'flv', '-'];
    const child = spawnTracked(options.ffmpegPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    processes.track(child);
    return new FakeVideoEncoder(child, options, onPacket);
  }

  /** FFmpeg's last words, for the error log when it dies on its own. */
  get lastStderr(): string {
    return this.stderr;
  }

  protected onData(chunk: Buffer): void {
    for (const tag of this.demuxer.push(chunk)) {
      if (tag.type !== FLV_TAG_VIDEO) continue;
      const header = parseFlvVideoTagHeader(tag.data);
      const body = tag.data.subarray(header.headerSize);
      if (header.isSequenceHeader) {
        const record = parseAvcDecoderConfigurationRecord(body);
        this.lengthSize = record.nalUnitLengthSize;
        const sps = record.sps[0];
        if (sps) {
          const parsed = parseH264Sps(sps);
          this.size = { width: parsed.width, height: parsed.height };
        }
        this.onPacket({ config: true, keyFrame: false, ptsUs: 0, data: nalusToAnnexB([...record.sps, ...record.pps]) });
      } else if (header.avcPacketType === AVC_PACKET_TYPE_NALU && body.length > 0) {
        const ptsMs = tag.timestamp + (header.compositionTime ?? 0);
        // FFmpeg's timestamps start at 0 with each run: place them on the device clock at the first frame's arrival.
        this.anchor ??= { tsMs: ptsMs, clockUs: this.options.clockUs() };
        const ptsUs = this.anchor.clockUs + (ptsMs - this.anchor.tsMs) * 1000;
        this.onPacket({ config: false, keyFrame: header.isKeyframe, ptsUs, data: avcToAnnexB(body, this.lengthSize) });
      }
    }
  }
}

/** The test source at the capture size, encoded live like MediaCodec: long GOP, no B-frames (x264 zerolatency). */
function encodeArgs(o: FakeVideoEncoderOptions): string[] {
  return testSourceArgs({
    width: o.width,
    height: o.height,
    fps: o.fps,
    audio: false,
    gopFrames: Math.max(1, Math.round(o.fps * I_FRAME_INTERVAL_S)),
    videoBitrateKbps: Math.max(1, Math.round(o.bitRate / 1000)),
    filterArgs: o.clockBarcode ? ['-vf', ffmpegWallClockBarcodeFilter(o.width, o.height)] : [],
  });
}

/** A pre-encoded clip, looped in real time and copied, so many fake devices cost almost nothing. */
function clipArgs(clip: string): string[] {
  return ['-hide_banner', '-loglevel', 'warning', '-nostdin', '-re', '-stream_loop', '-1', '-i', clip, '-map', '0:v:0', '-c:v', 'copy'];
}
