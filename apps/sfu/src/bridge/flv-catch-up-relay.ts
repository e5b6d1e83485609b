import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { FlvDemuxer, FlvToMatroskaMuxer, encodeFlvHeader, encodeFlvTag, flvMuxInputOf, type FlvTag } from '@mediaplane/codecs';
import type { Logger } from '@mediaplane/observability';
import type { BridgeInputFormat } from './bridge-input';
import { BytePacer } from './byte-pacer';
import { FlvCatchUp } from './flv-catch-up';

/**
 * 2 MB/s: a 2 s cache of a 4 Mb/s stream passes in half a second. Faster, the
 * RTP FFmpeg makes of it overflows the SFU's UDP socket (FFmpeg cannot resend).
 */
const PACE_BYTES_PER_MS = 2000;

/**
 * A loopback TCP endpoint the bridge's FFmpeg reads the stream from
 * (`-f flv|matroska -i tcp://127.0.0.1:port`). Each connection (each FFmpeg
 * run) pulls the ingest's internal HTTP-FLV afresh and passes every tag
 * through FlvCatchUp, so WebRTC viewers start at live rather than a GOP
 * behind, then writes it as FLV or, for codecs FFmpeg does not read in FLV,
 * as Matroska (bridge-input.ts). It also keeps the internal token off FFmpeg's
 * command line.
 */
export class FlvCatchUpRelay {
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    /** The ingest URL with a fresh internal token: never logged. */
    private readonly sourceUrl: () => string,
    private readonly log: Logger,
    private readonly format: BridgeInputFormat = 'flv',
  ) {}

  /** Starts listening; resolves with the URL to give FFmpeg. */
  async listen(): Promise<string> {
    const server = createServer({ noDelay: true }, (socket) => void this.serve(socket));
    this.server = server;
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('relay has no TCP address');
    return `tcp://127.0.0.1:${address.port}`;
  }

  close(): void {
    for (const socket of this.sockets) socket.destroy();
    this.server?.close();
  }

  private async serve(socket: Socket): Promise<void> {
    this.sockets.add(socket);
    const abort = new AbortController();
    socket.on('error', () => undefined);
    socket.once('close', () => {
      this.sockets.delete(socket);
      abort.abort();
    });
    try {
      const response = await fetch(this.sourceUrl(), { signal: abort.signal });
      if (!response.ok || !response.body) {
        this.log.warn({ status: response.status }, 'bridge FLV pull refused');
        socket.destroy();
        return;
      }
      const demuxer = new FlvDemuxer();
      const catchUp = new FlvCatchUp();
      socket.once('close', () => this.log.debug({ catchUpMs: catchUp.shiftMs }, 'bridge FLV relay closed'));
      const pacer = new BytePacer(PACE_BYTES_PER_MS);
      let encode: TagEncoder | undefined;
      for await (const chunk of response.body) {
        const tags = demuxer.push(Buffer.from(chunk as Uint8Array));
        if (!encode && demuxer.header) encode = this.startOutput(socket, { audio: demuxer.header.hasAudio, video: demuxer.header.hasVideo });
        if (!encode) continue;
        for (const tag of tags) {
          const timestamp = catchUp.retime(tag, performance.now());
          if (timestamp === undefined) continue;
          const bytes = encode(tag.type, timestamp, tag.data);
          if (bytes.length === 0) continue;
          if (!socket.write(bytes)) await once(socket, 'drain', { signal: abort.signal });
          await pacer.sent(bytes.length);
        }
      }
      socket.end();
    } catch (error) {
      if (!abort.signal.aborted) this.log.warn({ err: (error as Error).message }, 'bridge FLV relay failed');
      socket.destroy();
    }
  }

  /** Once the FLV header says which tracks the stream has: the FLV header goes on as it is, or a Matroska muxer waits for them. */
  private startOutput(socket: Socket, tracks: { audio: boolean; video: boolean }): TagEncoder {
    if (this.format === 'matroska') return matroskaEncoder(tracks);
    socket.write(encodeFlvHeader(tracks));
    return encodeFlvTag;
  }
}

type TagEncoder = (type: FlvTag['type'], timestamp: number, data: Buffer) => Buffer;

/**
 * Retimed tags into Matroska, one muxer per FFmpeg run. Its Tracks wait for
 * the configuration of each track the FLV header announced (the ingest sends
 * them first); each frame then goes out as its own Cluster at once. Empty
 * for what Matroska does not carry as a block (configurations, script data).
 */
function matroskaEncoder(tracks: { audio: boolean; video: boolean }): TagEncoder {
  const muxer = new FlvToMatroskaMuxer(tracks);
  return (type, timestamp, data) => muxer.push(flvMuxInputOf(type, timestamp, data));
}
