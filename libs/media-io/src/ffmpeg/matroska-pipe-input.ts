import { Transform, type TransformCallback } from 'node:stream';
import { CodecError, FlvDemuxer, FlvToMatroskaMuxer, flvMuxInputOf } from '@mediaplane/codecs';
import type { HttpPipeInput } from './http-pipe-input';

/**
 * The same pull remuxed on its way to FFmpeg's stdin: the FLV body read tag by
 * tag and written as Matroska (FlvToMatroskaMuxer), for codecs Debian's FFmpeg
 * 5.1 reads there but not in FLV (E-RTMP AV1, VP9, HEVC, Opus). The muxer's
 * Tracks wait for the configuration of each track the FLV header announced.
 * Bytes that are not FLV end the stream (FFmpeg then sees EOF, as after a lost
 * input); the pull is closed with it.
 */
export function matroskaPipeInput(flv: HttpPipeInput): HttpPipeInput {
  const demuxer = new FlvDemuxer();
  let muxer: FlvToMatroskaMuxer | undefined;
  const remux = new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      try {
        for (const tag of demuxer.push(chunk)) {
          if (demuxer.header) muxer ??= new FlvToMatroskaMuxer({ video: demuxer.header.hasVideo, audio: demuxer.header.hasAudio });
          const bytes = muxer?.push(flvMuxInputOf(tag.type, tag.timestamp, tag.data));
          if (bytes && bytes.length > 0) this.push(bytes);
        }
        done();
      } catch (error) {
        if (!(error instanceof CodecError)) return done(error as Error);
        flv.close();
        this.push(null);
        done();
      }
    },
  });
  remux.on('error', () => flv.close());
  flv.stream.pipe(remux);
  return { stream: remux, close: () => flv.close() };
}
