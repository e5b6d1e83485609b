import fc from 'fast-check';
import { buildAvcDecoderConfigurationRecord, parseAvcDecoderConfigurationRecord } from './avc-decoder-configuration-record';
import { splitAvcNalus } from './avc-nalus';
import { FlvToMatroskaMuxer } from './flv-to-matroska-muxer';
import { ExVideoPacketType, FLV_FRAME_TYPE_KEY, encodeExVideoTagHeader, parseFlvVideoTagHeader } from './flv-video-tag-header';
import { buildAv1CodecConfigurationRecord } from './av1-sequence-header';
import { MatroskaId } from './matroska-ids';
import type { FlvTagBody } from './mpegts-to-flv';
import { eRtmpAudioTagArb } from './testing/e-rtmp-audio-arbitrary';
import { readEbmlChildren, readEbmlElement } from './testing/ebml-reader';
import { mpegTsFixtureAsFlv } from './testing/mpegts-fixtures';

const isVideoConfig = (t: FlvTagBody) => t.kind === 'video' && parseFlvVideoTagHeader(t.payload).isSequenceHeader;
const isAudioConfig = (t: FlvTagBody) => t.kind === 'audio' && t.payload[1] === 0;

interface Block {
  clusterTime: number;
  track: number;
  offset: number;
  keyframe: boolean;
  data: Buffer;
}

/** Top-level elements of the muxer's output: the Segment's head (unknown size) and the children that follow it. */
function topLevel(out: Buffer): Array<{ id: number; body: Buffer }> {
  const items: Array<{ id: number; body: Buffer }> = [];
  for (let at = 0; at < out.length;) {
    const e = readEbmlElement(out, at);
    if (e.size === undefined) {
      items.push({ id: e.id, body: Buffer.alloc(0) });
      at = e.bodyAt;
      continue;
    }
    items.push({ id: e.id, body: out.subarray(e.bodyAt, e.bodyAt + e.size) });
    at = e.bodyAt + e.size;
  }
  return items;
}

function blockOf(cluster: Buffer): Block {
  const [time, block] = readEbmlChildren(cluster, 0, cluster.length);
  if (time?.id !== MatroskaId.Timestamp || block?.id !== MatroskaId.SimpleBlock) throw new Error('cluster is not Timestamp + SimpleBlock');
  const body = cluster.subarray(block.bodyAt, block.bodyAt + (block.size as number));
  return {
    clusterTime: cluster.readUIntBE(time.bodyAt, time.size as number),
    track: (body[0] as number) & 0x7f,
    offset: body.readInt16BE(1),
    keyframe: ((body[3] as number) & 0x80) !== 0,
    data: body.subarray(4),
  };
}

/** The TrackEntries' CodecID strings, in order. */
function codecIds(tracks: Buffer): string[] {
  return readEbmlChildren(tracks, 0, tracks.length).map((entry) => {
    const fields = readEbmlChildren(tracks, entry.bodyAt, entry.bodyAt + (entry.size as number));
    const codec = fields.find((f) => f.id === MatroskaId.CodecId);
    return codec ? tracks.toString('latin1', codec.bodyAt, codec.bodyAt + (codec.size as number)) : '';
  });
}

describe('FlvToMatroskaMuxer', () => {
  const tags = mpegTsFixtureAsFlv('h264-aac');
  const videoConfig = tags.find(isVideoConfig) as FlvTagBody;
  const audioConfig = tags.find(isAudioConfig) as FlvTagBody;
  const frames = tags.filter((t) => !isVideoConfig(t) && !isAudioConfig(t));
  const videoFrames = frames.filter((t) => t.kind === 'video');

  it('writes nothing until every announced track has its configuration, then the header and every frame held', () => {
    const muxer = new FlvToMatroskaMuxer({ video: true, audio: true });
    expect(muxer.push(videoConfig)).toHaveLength(0);
    expect(muxer.push(videoFrames[0] as FlvTagBody)).toHaveLength(0);
    expect(muxer.push(audioConfig)).toHaveLength(0);
    const out = topLevel(muxer.push(videoFrames[1] as FlvTagBody));
    expect(out.map((e) => e.id)).toEqual([MatroskaId.Ebml, MatroskaId.Segment, MatroskaId.Info, MatroskaId.Tracks, MatroskaId.Cluster, MatroskaId.Cluster]);
    expect(codecIds(out[3]?.body as Buffer)).toEqual(['V_MPEG4/ISO/AVC', 'A_AAC']);
    expect(muxer.stats.droppedFrames).toBe(0);
  });

  it('puts each frame in a Cluster of its own at its DTS, the composition time as the block offset, the body as it is', () => {
    const muxer = new FlvToMatroskaMuxer({ video: true, audio: true });
    const out = topLevel(Buffer.concat(tags.map((t) => muxer.push(t))));
    const blocks = out.filter((e) => e.id === MatroskaId.Cluster).map((e) => blockOf(e.body));
    expect(blocks).toHaveLength(frames.length);
    blocks.forEach((block, i) => {
      const tag = frames[i] as FlvTagBody;
      const header = tag.kind === 'video' ? parseFlvVideoTagHeader(tag.payload) : undefined;
      expect(block).toEqual({
        clusterTime: tag.timestamp,
        track: tag.kind === 'video' ? 1 : 2,
        offset: header?.compositionTime ?? 0,
        keyframe: header ? header.isKeyframe : true,
        data: tag.payload.subarray(header ? header.headerSize : 2),
      });
    });
    expect(blocks.some((b) => b.offset > 0)).toBe(true); // the fixture has B-frames: offsets are really carried
  });

  it('gives up waiting for a track that sends no configuration, and drops what comes for it later', () => {
    const muxer = new FlvToMatroskaMuxer({ video: true, audio: true });
    muxer.push(videoConfig);
    const held: Buffer[] = [];
    for (let i = 0; held.every((b) => b.length === 0); i++)
      held.push(muxer.push({ ...(videoFrames[i % videoFrames.length] as FlvTagBody), timestamp: i * 40 }));
    const out = topLevel(held[held.length - 1] as Buffer);
    expect(codecIds(out.find((e) => e.id === MatroskaId.Tracks)?.body as Buffer)).toEqual(['V_MPEG4/ISO/AVC']);
    expect(out.filter((e) => e.id === MatroskaId.Cluster)).toHaveLength(held.length);
    muxer.push(audioConfig);
    expect(muxer.push(frames.find((t) => t.kind === 'audio') as FlvTagBody)).toHaveLength(0);
    expect(muxer.stats.droppedFrames).toBe(1);
  });

  it('carries a configuration that changes after the header in band, before each keyframe; the same one re-sent changes nothing', () => {
    const muxer = new FlvToMatroskaMuxer({ video: true, audio: false });
    const keyframe = videoFrames.find((t) => parseFlvVideoTagHeader(t.payload).isKeyframe) as FlvTagBody;
    const interframe = videoFrames.find((t) => !parseFlvVideoTagHeader(t.payload).isKeyframe) as FlvTagBody;
    muxer.push(videoConfig);
    muxer.push(keyframe);
    muxer.push(videoConfig);
    expect(blockOf(topLevel(muxer.push(keyframe))[0]?.body as Buffer).data).toEqual(keyframe.payload.subarray(5));
    const record = parseAvcDecoderConfigurationRecord(videoConfig.payload.subarray(5));
    const newPps = Buffer.concat([record.pps[0] as Buffer, Buffer.from([0x80])]);
    muxer.push({ ...videoConfig, payload: Buffer.concat([videoConfig.payload.subarray(0, 5), buildAvcDecoderConfigurationRecord(record.sps, [newPps])]) });
    const inBand = splitAvcNalus(blockOf(topLevel(muxer.push(keyframe))[0]?.body as Buffer).data, record.nalUnitLengthSize);
    expect(inBand.slice(0, 2)).toEqual([record.sps[0], newPps]);
    expect(inBand.slice(2)).toEqual(splitAvcNalus(keyframe.payload.subarray(5), record.nalUnitLengthSize));
    expect(blockOf(topLevel(muxer.push(interframe))[0]?.body as Buffer).data).toEqual(interframe.payload.subarray(5));
  });

  it('drops and counts what it cannot carry: a frame before its configuration, another codec, a codec change after the header', () => {
    const muxer = new FlvToMatroskaMuxer({ video: true, audio: false });
    expect(muxer.push(videoFrames[0] as FlvTagBody)).toHaveLength(0);
    expect(muxer.push({ kind: 'video', timestamp: 0, payload: Buffer.from([0x14, 0x00, 0x00]) })).toHaveLength(0); // VP6
    muxer.push(videoConfig);
    expect(muxer.push(videoFrames[0] as FlvTagBody).length).toBeGreaterThan(0);
    const hevc = mpegTsFixtureAsFlv('hevc-aac').filter((t) => t.kind === 'video');
    muxer.push(hevc.find(isVideoConfig) as FlvTagBody);
    expect(muxer.push(hevc.find((t) => !isVideoConfig(t)) as FlvTagBody)).toHaveLength(0);
    expect(muxer.stats.droppedFrames).toBe(3);
  });

  it('writes AV1 as V_AV1 with its av1C and picture size, VP9 as V_VP9 with neither (its keyframes say them), each frame as it is', () => {
    const av1C = buildAv1CodecConfigurationRecord(Buffer.from('0a0b0000000cc4ff6736be4010', 'hex'));
    const vpcC = Buffer.from([1, 0, 0, 0, 0, 21, 0x82, 2, 2, 2, 0, 0]);
    for (const [fourCc, record, codecId] of [
      ['av01', av1C, 'V_AV1'],
      ['vp09', vpcC, 'V_VP9'],
    ] as const) {
      const muxer = new FlvToMatroskaMuxer({ video: true, audio: false });
      muxer.push({
        kind: 'video',
        timestamp: 0,
        payload: Buffer.concat([encodeExVideoTagHeader(fourCc, FLV_FRAME_TYPE_KEY, ExVideoPacketType.SequenceStart), record]),
      });
      const frame = Buffer.from([0x32, 0x01, 0xaa]);
      const out = topLevel(
        muxer.push({
          kind: 'video',
          timestamp: 40,
          payload: Buffer.concat([encodeExVideoTagHeader(fourCc, FLV_FRAME_TYPE_KEY, ExVideoPacketType.CodedFrames), frame]),
        }),
      );
      const tracks = out.find((e) => e.id === MatroskaId.Tracks)?.body as Buffer;
      expect(codecIds(tracks)).toEqual([codecId]);
      const entry = readEbmlChildren(tracks, 0, tracks.length)[0];
      const fields = readEbmlChildren(tracks, entry?.bodyAt as number, (entry?.bodyAt as number) + (entry?.size as number)).map((f) => f.id);
      expect(fields.includes(MatroskaId.CodecPrivate)).toBe(fourCc === 'av01');
      expect(fields.includes(MatroskaId.Video)).toBe(fourCc === 'av01');
      expect(blockOf(out.find((e) => e.id === MatroskaId.Cluster)?.body as Buffer)).toMatchObject({ clusterTime: 40, track: 1, keyframe: true, data: frame });
    }
  });

  it('never throws on hostile E-RTMP audio tags (Opus, FLAC, AC-3, E-AC-3 and others), and counts what it cannot carry (property)', () => {
    fc.assert(
      fc.property(fc.array(eRtmpAudioTagArb, { maxLength: 30 }), (tags) => {
        const muxer = new FlvToMatroskaMuxer({ video: false, audio: true });
        const bytes = tags.reduce((sum, t) => sum + muxer.push(t).length, 0);
        expect(bytes).toBeGreaterThanOrEqual(0);
        expect(muxer.stats.droppedFrames).toBeLessThanOrEqual(tags.length);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on arbitrary tag bodies, before or after its header (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ kind: fc.constantFrom('video', 'audio', 'script'), timestamp: fc.nat(), payload: fc.uint8Array({ maxLength: 64 }) }), {
          maxLength: 40,
        }),
        fc.boolean(),
        (bodies, configured) => {
          const muxer = new FlvToMatroskaMuxer({ video: true, audio: true });
          if (configured) [videoConfig, audioConfig].forEach((t) => muxer.push(t));
          for (const b of bodies) muxer.push({ kind: b.kind as FlvTagBody['kind'] | 'script', timestamp: b.timestamp, payload: Buffer.from(b.payload) });
        },
      ),
    );
  });
});
