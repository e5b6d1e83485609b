import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FlvDemuxer, MpegTsDemuxer, MpegTsToFlv, parseFlvVideoTagHeader, type FlvTag } from '@mediaplane/codecs';
import { flvHubEncoder } from './flv-hub-encoder';
import type { HubEncoder } from './hub-encoder';
import type { HubFrame } from './hub-frame';
import type { HubSink } from './hub-sink';
import { StreamHub, type StreamHubOptions } from './stream-hub';
import { testFrames } from './testing/hub-test-frames';

class RecordingSink implements HubSink {
  readonly chunks: Buffer[] = [];
  bufferedBytes = 0;
  closedWith?: string;
  /** When set, written bytes stay "buffered" as a viewer that does not read. */
  stalled = false;

  writes = 0;

  write(data: Buffer | readonly Buffer[]): void {
    this.writes += 1;
    for (const chunk of Buffer.isBuffer(data) ? [data] : data) {
      this.chunks.push(chunk);
      if (this.stalled) this.bufferedBytes += chunk.length;
    }
  }

  close(reason: string): void {
    this.closedWith = reason;
  }

  tags(): FlvTag[] {
    return new FlvDemuxer().push(Buffer.concat(this.chunks));
  }
}

/** A sink like a plain socket whose kernel takes every write at once: it keeps copies, never the written buffers. */
class CopyingSink implements HubSink {
  readonly releasesWrittenBytes = true;
  readonly bufferedBytes = 0;
  readonly copies: Buffer[] = [];
  readonly written: Buffer[] = [];

  write(data: Buffer | readonly Buffer[]): void {
    for (const chunk of Buffer.isBuffer(data) ? [data] : data) {
      this.written.push(chunk);
      this.copies.push(Buffer.from(chunk));
    }
  }

  close(): void {}
}

function hub(options: Partial<StreamHubOptions> = {}): StreamHub {
  return new StreamHub({ maxViewerQueueBytes: 10_000, viewerStallTimeoutMs: 5000, gopCacheMaxBytes: 1 << 20, ...options });
}

/** Seq headers, then `gops` GOPs of one keyframe + 4 inter frames at 40 ms, audio between. */
function publish(h: StreamHub, gops: number, from = 0): number {
  let ts = from;
  if (from === 0) {
    h.pushMetadata(0, testFrames.metadata());
    h.pushMedia('video', 0, testFrames.videoConfig());
    h.pushMedia('audio', 0, testFrames.audioConfig());
  }
  for (let g = 0; g < gops; g++) {
    h.pushMedia('video', ts, testFrames.keyframe());
    for (let i = 0; i < 4; i++) {
      h.pushMedia('audio', ts + 10, testFrames.audio());
      ts += 40;
      h.pushMedia('video', ts, testFrames.interframe());
    }
    ts += 40;
  }
  return ts;
}

const isKeyframeTag = (t: FlvTag) => t.type === 9 && t.data[0] === 0x17 && t.data[1] === 0x01;
const isVideoFrameTag = (t: FlvTag) => t.type === 9 && t.data[1] === 0x01;

describe('StreamHub', () => {
  describe("with an E-RTMP publisher ('hvc1' video, 'Opus' audio)", () => {
    /** libx265 + AAC fixture with HEVC as E-RTMP 'hvc1' (several GOPs), its audio replaced by E-RTMP Opus. */
    function enhancedTags(): Array<{ kind: 'audio' | 'video'; timestamp: number; payload: Buffer }> {
      const demuxer = new MpegTsDemuxer();
      const ts = readFileSync(join(__dirname, '../../../codecs/src/fixtures/hevc-aac.mpegts'));
      const video = new MpegTsToFlv({ hevc: 'hvc1' }).pushAll([...demuxer.push(ts), ...demuxer.flush()]).filter((t) => t.kind === 'video');
      const opus = (packetType: number, body: Buffer) => Buffer.concat([Buffer.from([0x90 | packetType]), Buffer.from('Opus'), body]);
      const audio = [
        { kind: 'audio' as const, timestamp: 0, payload: opus(0, Buffer.from('OpusHead\x01\x01\x38\x01\x80\xbb\x00\x00\x00\x00\x00', 'latin1')) },
        ...Array.from({ length: 10 }, (_, i) => ({ kind: 'audio' as const, timestamp: i * 20, payload: opus(1, Buffer.from([0xfc, i])) })),
      ];
      return [...audio.slice(0, 1), ...video, ...audio.slice(1)].map((t) => ({ kind: t.kind, timestamp: t.timestamp, payload: t.payload }));
    }

    it('reports the FourCCs and gives a late joiner the SequenceStarts, then the GOP from its keyframe', () => {
      const h = hub();
      expect(h.tracks).toEqual({ mediaSeen: false });
      const tags = enhancedTags();
      for (const t of tags) h.pushMedia(t.kind, t.timestamp, t.payload);
      expect(h.tracks).toEqual({ mediaSeen: true, videoFourCc: 'hvc1', audioFourCc: 'Opus' });
      const sink = new RecordingSink();
      h.addViewer({ id: 'late', protocol: 'flv', counted: true, encoder: flvHubEncoder, sink });
      const got = sink.tags().filter((t) => t.type === 8 || t.type === 9);
      const video = got.filter((t) => t.type === 9).map((t) => parseFlvVideoTagHeader(t.data));
      expect(video[0]).toMatchObject({ fourCc: 'hvc1', isSequenceHeader: true });
      expect(video[1]).toMatchObject({ fourCc: 'hvc1', isKeyframe: true, isSequenceHeader: false });
      // The sequence header, then everything from the latest keyframe on.
      const published = tags.filter((t) => t.kind === 'video').map((t) => parseFlvVideoTagHeader(t.payload));
      const lastKey = published.map((p) => p.isKeyframe && !p.isSequenceHeader).lastIndexOf(true);
      expect(lastKey).toBeGreaterThan(1);
      expect(video).toHaveLength(1 + published.length - lastKey);
      // The Opus SequenceStart (OpusHead) is replayed before any Opus frame.
      const audio = got.filter((t) => t.type === 8);
      expect(audio[0]?.data.subarray(5, 13).toString('latin1')).toBe('OpusHead');
      expect(h.latestKeyframe()?.config?.payload.subarray(1, 5).toString('latin1')).toBe('hvc1');
    });

    it('forgets the FourCC when the track goes back to legacy FLV tags', () => {
      const h = hub();
      for (const t of enhancedTags()) h.pushMedia(t.kind, t.timestamp, t.payload);
      h.pushMedia('video', 2000, testFrames.keyframe());
      expect(h.tracks).toEqual({ mediaSeen: true, videoFourCc: undefined, audioFourCc: 'Opus' });
    });
  });

  describe("when the audio has no sequence header (MP3, E-RTMP 'ac-3')", () => {
    it('announces the audio track in the FLV header all the same, so players and FFmpeg keep it', () => {
      const h = hub();
      h.pushMedia('video', 0, testFrames.videoConfig());
      h.pushMedia('video', 0, testFrames.keyframe());
      // SoundFormat 2 (MP3), 44 kHz stereo, then an E-RTMP 'ac-3' CodedFrames tag: neither is ever a sequence header.
      h.pushMedia('audio', 10, Buffer.from([0x2f, 0xff, 0xfb, 0x90, 0x00]));
      const mp3Viewer = new RecordingSink();
      h.addViewer({ id: 'mp3', protocol: 'flv', counted: true, encoder: flvHubEncoder, sink: mp3Viewer });
      const flags = (sink: RecordingSink) => (Buffer.concat(sink.chunks)[4] as number) & 0x05;
      expect(flags(mp3Viewer)).toBe(0x05); // audio | video

      const audioOnly = hub();
      audioOnly.pushMedia('audio', 0, Buffer.concat([Buffer.from([0x91]), Buffer.from('ac-3', 'latin1'), Buffer.from('0b77fe95144043e1', 'hex')]));
      const ac3Viewer = new RecordingSink();
      audioOnly.addViewer({ id: 'ac3', protocol: 'flv', counted: true, encoder: flvHubEncoder, sink: ac3Viewer });
      expect(flags(ac3Viewer)).toBe(0x04); // audio only
    });
  });

  describe('when a viewer joins mid-GOP', () => {
    it('gets the FLV header, metadata at 0, the decoder configurations and the GOP, so its first frame is a keyframe', () => {
      const h = hub();
      const end = publish(h, 2);
      const sink = new RecordingSink();
      h.addViewer({ id: 'v1', protocol: 'flv', counted: true, encoder: flvHubEncoder, sink });
      const tags = sink.tags();
      expect(tags[0]).toMatchObject({ type: 18, timestamp: 0 });
      expect(tags[1]?.type).toBe(9);
      expect(tags[1]?.data[1]).toBe(0x00); // AVC sequence header
      expect(tags[2]?.type).toBe(8);
      expect(tags[2]?.data[1]).toBe(0x00); // AAC sequence header
      const firstFrame = tags.find(isVideoFrameTag);
      expect(firstFrame && isKeyframeTag(firstFrame)).toBe(true);
      // The second GOP starts at 200 ms; configurations are re-timed to it so the timeline has no jump.
      expect(firstFrame?.timestamp).toBe(200);
      expect(tags[1]?.timestamp).toBe(200);
      expect(tags[tags.length - 1]?.timestamp).toBe(end - 40);
    });
  });

  describe('when a viewer joins before any keyframe is cached', () => {
    it('starts it at the next keyframe and does not count the skipped frames as drops', () => {
      const h = hub();
      h.pushMedia('video', 0, testFrames.videoConfig());
      h.pushMedia('video', 0, testFrames.interframe());
      const sink = new RecordingSink();
      const viewer = h.addViewer({ id: 'v1', protocol: 'flv', counted: true, encoder: flvHubEncoder, sink });
      h.pushMedia('video', 40, testFrames.interframe());
      h.pushMedia('audio', 45, testFrames.audio());
      h.pushMedia('video', 80, testFrames.keyframe());
      h.pushMedia('video', 120, testFrames.interframe());
      h.flush();
      const frames = sink.tags().filter(isVideoFrameTag);
      expect(frames.map((t) => t.timestamp)).toEqual([80, 120]);
      expect(isKeyframeTag(frames[0] as FlvTag)).toBe(true);
      expect(viewer.droppedFrames).toBe(0);
    });
  });

  it('hands joining viewers the cached GOP as shared buffers, without copying it per viewer', () => {
    const h = hub();
    publish(h, 1);
    const a = new RecordingSink();
    const b = new RecordingSink();
    h.addViewer({ id: 'a', protocol: 'flv', counted: true, encoder: flvHubEncoder, sink: a });
    h.addViewer({ id: 'b', protocol: 'flv', counted: true, encoder: flvHubEncoder, sink: b });
    expect(a.writes).toBe(1);
    const gopChunks = a.chunks.slice(-9);
    gopChunks.forEach((chunk, i) => expect(b.chunks[b.chunks.length - 9 + i]).toBe(chunk));
  });

  it('encodes each frame once per output format, however many viewers there are', () => {
    let encodes = 0;
    const counting: HubEncoder = {
      key: 'counting',
      preamble: () => undefined,
      encode: (frame: HubFrame) => {
        encodes += 1;
        return flvHubEncoder.encode(frame);
      },
    };
    const h = hub();
    publish(h, 1);
    const sinks = Array.from({ length: 5 }, () => new RecordingSink());
    sinks.forEach((sink, i) => h.addViewer({ id: `v${i}`, protocol: 'flv', counted: true, encoder: counting, sink }));
    const beforeLive = encodes;
    publish(h, 1, 1000);
    h.flush();
    // 1 keyframe + 4 audio + 4 inter frames, each encoded once for all five viewers.
    expect(encodes - beforeLive).toBe(9);
    const lengths = sinks.map((s) => Buffer.concat(s.chunks).length);
    expect(new Set(lengths).size).toBe(1);
  });

  it('lays a live batch out in one buffer when the format can write in place, the same bytes as frame by frame', () => {
    let encodes = 0;
    let encodedInto = 0;
    const inPlace: HubEncoder = {
      key: 'in-place',
      preamble: () => undefined,
      encode: (frame) => {
        encodes += 1;
        return flvHubEncoder.encode(frame);
      },
      encodedLength: (frame) => flvHubEncoder.encodedLength(frame),
      encodeInto: (frame, target, offset) => {
        encodedInto += 1;
        return flvHubEncoder.encodeInto(frame, target, offset);
      },
    };
    const h = hub();
    publish(h, 1);
    const inPlaceSink = new RecordingSink();
    const plainSink = new RecordingSink();
    h.addViewer({ id: 'in-place', protocol: 'flv', counted: true, encoder: inPlace, sink: inPlaceSink });
    h.addViewer({
      id: 'plain',
      protocol: 'flv',
      counted: true,
      encoder: { key: 'plain', preamble: () => undefined, encode: (f) => flvHubEncoder.encode(f) },
      sink: plainSink,
    });
    const [joinedInPlace, joinedPlain] = [inPlaceSink.chunks.length, plainSink.chunks.length];
    encodes = 0;
    publish(h, 1, 1000);
    h.flush();
    const live = inPlaceSink.chunks.slice(joinedInPlace);
    expect(live).toHaveLength(1);
    expect(encodes).toBe(0);
    expect(encodedInto).toBe(9);
    expect(live[0]).toEqual(Buffer.concat(plainSink.chunks.slice(joinedPlain)));
  });

  describe('when every sink a live batch went to let go of it', () => {
    it("writes the format's next batch into the same memory, each viewer still reading the stream whole", () => {
      const h = hub();
      publish(h, 1);
      const sinks = [new CopyingSink(), new CopyingSink()];
      sinks.forEach((sink, i) => h.addViewer({ id: `v${i}`, protocol: 'flv', counted: true, encoder: flvHubEncoder, sink }));
      const joined = sinks[0]?.written.length as number;
      for (let i = 0; i < 3; i++) {
        h.pushMedia('video', 1000 + i * 40, testFrames.interframe());
        h.pushMedia('audio', 1010 + i * 40, testFrames.audio());
        h.flush();
      }
      const live = sinks[0]?.written.slice(joined) as Buffer[];
      expect(live).toHaveLength(3);
      expect(new Set(live.map((b) => b.buffer)).size).toBe(1);
      for (const sink of sinks) {
        const tags = new FlvDemuxer().push(Buffer.concat(sink.copies));
        expect(tags.slice(-6).map((t) => [t.type, t.timestamp])).toEqual([
          [9, 1000],
          [8, 1010],
          [9, 1040],
          [8, 1050],
          [9, 1080],
          [8, 1090],
        ]);
      }
    });

    it('leaves a batch alone that any sink may still hold, or that went to a sink which does not say it lets go', () => {
      for (const holding of [new RecordingSink(), Object.assign(new CopyingSink(), { bufferedBytes: 1 })]) {
        const h = hub();
        publish(h, 1);
        const releasing = new CopyingSink();
        h.addViewer({ id: 'releasing', protocol: 'flv', counted: true, encoder: flvHubEncoder, sink: releasing });
        h.addViewer({ id: 'holding', protocol: 'flv', counted: true, encoder: flvHubEncoder, sink: holding });
        const joined = releasing.written.length;
        h.pushMedia('video', 1000, testFrames.interframe());
        h.flush();
        const first = releasing.written[joined] as Buffer;
        const firstBytes = Buffer.from(first);
        h.pushMedia('video', 1040, testFrames.interframe());
        h.flush();
        expect((releasing.written[joined + 1] as Buffer).buffer).not.toBe(first.buffer);
        expect(first).toEqual(firstBytes);
      }
    });
  });

  it("keeps a stateless format's live encodings off the frames (they would live on in the GOP cache), a stateful one's on them", () => {
    const stateful: HubEncoder = { key: 'stateful', stateful: true, preamble: () => undefined, encode: (frame) => flvHubEncoder.encode(frame) };
    const h = hub();
    publish(h, 1);
    h.addViewer({ id: 'flv', protocol: 'flv', counted: true, encoder: flvHubEncoder, sink: new RecordingSink() });
    h.addViewer({ id: 'ts', protocol: 'srt', counted: true, encoder: stateful, sink: new RecordingSink() });
    const live = h.pushMedia('video', 2000, testFrames.keyframe()) as HubFrame;
    h.flush();
    expect([...live.encoded.keys()]).toEqual(['stateful']);
    // A viewer joining now gets the keyframe from the GOP cache, encoded (and cached) then.
    h.addViewer({ id: 'late', protocol: 'flv', counted: true, encoder: flvHubEncoder, sink: new RecordingSink() });
    expect([...live.encoded.keys()].sort()).toEqual(['flv', 'stateful']);
  });

  describe('when a viewer cannot keep up', () => {
    it('skips it forward to the next keyframe, counts the drops, and leaves other viewers whole', () => {
      const drops: number[] = [];
      const h = hub({ maxViewerQueueBytes: 2000, onViewerDrop: (_v, n) => drops.push(n) });
      publish(h, 1);
      const slow = new RecordingSink();
      const fast = new RecordingSink();
      const slowViewer = h.addViewer({ id: 'slow', protocol: 'flv', counted: true, encoder: flvHubEncoder, sink: slow });
      h.addViewer({ id: 'fast', protocol: 'flv', counted: true, encoder: flvHubEncoder, sink: fast });
      slow.stalled = true;
      slow.bufferedBytes = 1900; // nearly full
      let ts = 1000;
      for (let i = 0; i < 6; i++) {
        h.pushMedia('video', (ts += 40), testFrames.interframe());
        h.flush();
      }
      expect(slowViewer.state).toBe('behind');
      expect(slowViewer.droppedFrames).toBeGreaterThan(0);
      // The slow viewer catches up (its socket drained); it resumes only at a keyframe.
      slow.stalled = false;
      slow.bufferedBytes = 0;
      const before = slow.chunks.length;
      h.pushMedia('video', (ts += 40), testFrames.interframe());
      h.flush();
      expect(slow.chunks.length).toBe(before);
      h.pushMedia('video', (ts += 40), testFrames.keyframe());
      h.pushMedia('video', (ts += 40), testFrames.interframe());
      h.flush();
      expect(slowViewer.state).toBe('live');
      const resumed = new FlvDemuxer({ expectHeader: false }).push(Buffer.concat(slow.chunks.slice(before)));
      expect(isKeyframeTag(resumed[0] as FlvTag)).toBe(true);
      expect(drops.reduce((a, b) => a + b, 0)).toBe(slowViewer.droppedFrames);
      // The fast viewer got every frame.
      const fastFrames = fast
        .tags()
        .filter(isVideoFrameTag)
        .filter((t) => t.timestamp > 1000);
      expect(fastFrames).toHaveLength(9);
      expect(h.stats().droppedFrames).toBe(slowViewer.droppedFrames);
    });

    it('disconnects it when it stays behind longer than the stall timeout', () => {
      let now = 0;
      const stalled: string[] = [];
      const h = hub({ maxViewerQueueBytes: 1000, viewerStallTimeoutMs: 3000, now: () => now, onViewerStalled: (v) => stalled.push(v.id) });
      publish(h, 1);
      const slow = new RecordingSink();
      h.addViewer({ id: 'slow', protocol: 'rtmp', counted: true, encoder: flvHubEncoder, sink: slow });
      slow.stalled = true;
      let ts = 1000;
      for (let i = 0; i < 80 && !slow.closedWith; i++) {
        now += 100;
        h.pushMedia('video', (ts += 40), i % 10 === 0 ? testFrames.keyframe() : testFrames.interframe());
        h.flush();
      }
      expect(slow.closedWith).toBe('viewer too slow');
      // Behind since it passed 1000 bytes (~frame 14 at 1.4 s), so the stall ends it about 3 s later.
      expect(now).toBeGreaterThanOrEqual(4000);
      expect(now).toBeLessThan(5000);
      expect(stalled).toEqual(['slow']);
      expect(h.viewerCount).toBe(0);
      expect(h.stats().stalledViewers).toBe(1);
    });

    it('never writes more than the bound (plus one frame) into its queue, however long the stream runs', () => {
      const h = hub({ maxViewerQueueBytes: 5000, viewerStallTimeoutMs: 1e9 });
      publish(h, 1);
      const slow = new RecordingSink();
      h.addViewer({ id: 'slow', protocol: 'flv', counted: true, encoder: flvHubEncoder, sink: slow });
      slow.stalled = true;
      slow.bufferedBytes = 0;
      let ts = 1000;
      for (let i = 0; i < 2000; i++) {
        h.pushMedia('video', (ts += 40), i % 25 === 0 ? testFrames.keyframe(500) : testFrames.interframe(200));
        h.pushMedia('audio', ts + 5, testFrames.audio());
        h.flush();
      }
      expect(slow.bufferedBytes).toBeLessThanOrEqual(5000 + 600);
    });
  });

  it('does not count internal pulls as viewers', () => {
    const h = hub();
    h.addViewer({ id: 'a', protocol: 'flv', counted: true, encoder: flvHubEncoder, sink: new RecordingSink() });
    h.addViewer({ id: 'b', protocol: 'wsflv', counted: true, encoder: flvHubEncoder, sink: new RecordingSink() });
    h.addViewer({ id: 'c', protocol: 'flv', counted: false, encoder: flvHubEncoder, sink: new RecordingSink() });
    expect(h.stats()).toMatchObject({ viewers: { flv: 1, wsflv: 1 }, internal: 1 });
    h.removeViewer('a');
    expect(h.stats().viewers).toEqual({ wsflv: 1 });
  });

  it('writes frames pushed in one event-loop turn to each viewer in one write', async () => {
    const h = hub();
    publish(h, 1);
    const sink = new RecordingSink();
    h.addViewer({ id: 'v', protocol: 'flv', counted: true, encoder: flvHubEncoder, sink });
    const before = sink.writes;
    publish(h, 1, 1000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sink.writes).toBe(before + 1);
  });

  describe('with a flush interval', () => {
    it('holds audio until the next video frame and writes both together, video without delay', async () => {
      const h = hub({ flushIntervalMs: 1000 });
      publish(h, 1);
      const sink = new RecordingSink();
      h.addViewer({ id: 'v', protocol: 'flv', counted: true, encoder: flvHubEncoder, sink });
      const before = sink.writes;
      h.pushMedia('audio', 1000, testFrames.audio());
      h.pushMedia('audio', 1020, testFrames.audio());
      await new Promise((resolve) => setImmediate(resolve));
      expect(sink.writes).toBe(before);
      h.pushMedia('video', 1033, testFrames.interframe());
      await new Promise((resolve) => setImmediate(resolve));
      expect(sink.writes).toBe(before + 1);
      const tags = new FlvDemuxer({ expectHeader: false }).push(Buffer.concat(sink.chunks.slice(-1)));
      expect(tags.map((t) => t.timestamp)).toEqual([1000, 1020, 1033]);
    });

    it('does not hold audio for internal pulls (the WebRTC bridge): they get it on the next turn, once, while viewers wait for video', async () => {
      const h = hub({ flushIntervalMs: 1000 });
      publish(h, 1);
      const viewer = new RecordingSink();
      const pull = new RecordingSink();
      h.addViewer({ id: 'v', protocol: 'flv', counted: true, encoder: flvHubEncoder, sink: viewer });
      h.addViewer({ id: 'bridge', protocol: 'flv', counted: false, encoder: flvHubEncoder, sink: pull });
      const [viewerBefore, pullBefore] = [viewer.chunks.length, pull.chunks.length];
      h.pushMedia('audio', 1000, testFrames.audio());
      await new Promise((resolve) => setImmediate(resolve));
      h.pushMedia('audio', 1020, testFrames.audio());
      await new Promise((resolve) => setImmediate(resolve));
      const timestamps = (sink: RecordingSink, from: number) =>
        new FlvDemuxer({ expectHeader: false }).push(Buffer.concat(sink.chunks.slice(from))).map((t) => t.timestamp);
      expect(timestamps(pull, pullBefore)).toEqual([1000, 1020]);
      expect(viewer.chunks.length).toBe(viewerBefore);
      h.pushMedia('video', 1033, testFrames.interframe());
      await new Promise((resolve) => setImmediate(resolve));
      expect(timestamps(viewer, viewerBefore)).toEqual([1000, 1020, 1033]);
      expect(timestamps(pull, pullBefore)).toEqual([1000, 1020, 1033]);
    });

    it('writes audio of an audio-only stream after at most the interval', async () => {
      const h = hub({ flushIntervalMs: 30 });
      h.pushMedia('audio', 0, testFrames.audioConfig());
      const sink = new RecordingSink();
      h.addViewer({ id: 'v', protocol: 'flv', counted: true, encoder: flvHubEncoder, sink });
      const before = sink.writes;
      h.pushMedia('audio', 0, testFrames.audio());
      h.pushMedia('audio', 21, testFrames.audio());
      await new Promise((resolve) => setTimeout(resolve, 80));
      expect(sink.writes).toBe(before + 1);
      h.close('done');
    });
  });

  it('closes every viewer when the stream ends, after flushing what was pending', () => {
    const h = hub();
    publish(h, 1);
    const sinks = [new RecordingSink(), new RecordingSink()];
    sinks.forEach((sink, i) => h.addViewer({ id: `v${i}`, protocol: 'flv', counted: true, encoder: flvHubEncoder, sink }));
    h.pushMedia('video', 2000, testFrames.keyframe());
    h.close('stream ended');
    for (const sink of sinks) {
      expect(sink.closedWith).toBe('stream ended');
      expect(sink.tags().some((t) => t.timestamp === 2000)).toBe(true);
    }
    expect(h.viewerCount).toBe(0);
    expect(() => h.addViewer({ id: 'late', protocol: 'flv', counted: true, encoder: flvHubEncoder, sink: new RecordingSink() })).toThrow(/closed/);
  });

  describe('with a direct sender (one native call per batch for up-to-date viewers on idle sockets)', () => {
    /** A viewer's socket: what reached it, in order, whether sent directly or written through the sink. */
    class SocketSink implements HubSink {
      readonly releasesWrittenBytes = true;
      readonly received: Buffer[] = [];
      direct = 0;
      writes = 0;
      /** Bytes the socket's own write path still holds: written while its kernel buffer was full. */
      queued = 0;
      /** Its kernel buffer is full (a direct send was cut short or refused) until drain(). */
      full = false;
      /** How much of the next direct send the socket takes (undefined: all of it); a negative errno refuses it. */
      take?: number;

      constructor(readonly fd: number) {}

      get bufferedBytes(): number {
        return this.queued;
      }

      directFd(): number {
        return this.queued === 0 ? this.fd : -1;
      }

      sentDirectly(bytes: number): void {
        this.direct += bytes;
      }

      write(data: Buffer | readonly Buffer[]): void {
        this.writes += 1;
        for (const chunk of Buffer.isBuffer(data) ? [data] : data) {
          this.received.push(Buffer.from(chunk));
          if (this.full) this.queued += chunk.length;
        }
      }

      close(): void {}

      drain(): void {
        this.full = false;
        this.queued = 0;
      }

      tags(): FlvTag[] {
        return new FlvDemuxer().push(Buffer.concat(this.received));
      }
    }

    /** Stands in for the addon: each fd's socket takes what its `take` says. */
    function fakeSender(sockets: SocketSink[]) {
      const calls: number[][] = [];
      const sender = {
        sendToAll(fds: Int32Array, bytes: Uint8Array, results: Int32Array): void {
          calls.push([...fds]);
          fds.forEach((fd, i) => {
            const socket = sockets.find((s) => s.fd === fd) as SocketSink;
            const taken = socket.take === undefined ? bytes.length : socket.take;
            socket.take = undefined;
            if (taken > 0) socket.received.push(Buffer.from(bytes.subarray(0, taken)));
            if (taken < bytes.length) socket.full = true;
            results[i] = taken;
          });
        },
      };
      return { sender, calls };
    }

    /** A hub with one GOP cached and the fake addon, `reference` joined first (written through), then the sockets. */
    const hubWith = (reference: HubSink, sockets: SocketSink[]) => {
      const { sender, calls } = fakeSender(sockets);
      const h = hub({ directSender: sender });
      publish(h, 1);
      h.addViewer({ id: 'reference', protocol: 'flv', counted: true, encoder: flvHubEncoder, sink: reference });
      sockets.forEach((sink, i) => h.addViewer({ id: `s${i}`, protocol: 'flv', counted: true, encoder: flvHubEncoder, sink }));
      return { h, calls };
    };

    const liveFrames = (h: StreamHub, from: number, n: number) => {
      for (let i = 0; i < n; i++) {
        h.pushMedia('video', from + i * 40, testFrames.interframe());
        h.pushMedia('audio', from + 10 + i * 40, testFrames.audio());
        h.flush();
      }
    };

    it('sends each live batch to every up-to-date viewer in one call, and every viewer reads the same whole stream as one written through', () => {
      const sockets = [new SocketSink(11), new SocketSink(12), new SocketSink(13)];
      const plain = new RecordingSink();
      const { h, calls } = hubWith(plain, sockets);
      const joinWrites = sockets.map((s) => s.writes);
      liveFrames(h, 1000, 3);
      expect(calls).toEqual([
        [11, 12, 13],
        [11, 12, 13],
        [11, 12, 13],
      ]);
      expect(sockets.map((s) => s.writes)).toEqual(joinWrites);
      expect(plain.writes).toBeGreaterThan(3);
      for (const socket of sockets) {
        expect(socket.tags().map((t) => [t.type, t.timestamp])).toEqual(plain.tags().map((t) => [t.type, t.timestamp]));
        expect(Buffer.concat(socket.received)).toEqual(Buffer.concat(plain.chunks));
      }
      expect(h.stats().bytesOut).toBe(4 * Buffer.concat(plain.chunks).length);
    });

    it('passes on what a socket did not take through the sink, in order, and writes that viewer through its sink until its queue drained', () => {
      const sockets = [new SocketSink(21), new SocketSink(22)];
      const plain = new RecordingSink();
      const { h, calls } = hubWith(plain, sockets);
      const [full, partial] = sockets as [SocketSink, SocketSink];
      const joinWrites = partial.writes;
      partial.take = 100;
      liveFrames(h, 1000, 1);
      expect(partial.direct).toBe(100);
      expect(partial.writes).toBe(joinWrites + 1);
      liveFrames(h, 1040, 1);
      expect(calls.at(-1)).toEqual([21]);
      expect(partial.writes).toBe(joinWrites + 2);
      partial.drain();
      liveFrames(h, 1080, 1);
      expect(calls.at(-1)).toEqual([21, 22]);
      expect(Buffer.concat(partial.received)).toEqual(Buffer.concat(plain.chunks));
      expect(Buffer.concat(full.received)).toEqual(Buffer.concat(plain.chunks));
    });

    it.each([
      ['EAGAIN (its buffer is full)', -11],
      ['EPIPE (the viewer went away)', -32],
      ['nothing taken', 0],
    ])('writes the whole batch through the sink when the socket refused it: %s', (_what, result) => {
      const socket = new SocketSink(31);
      const plain = new RecordingSink();
      const { h } = hubWith(plain, [socket]);
      const joinWrites = socket.writes;
      socket.take = result;
      liveFrames(h, 1000, 1);
      expect(socket.direct).toBe(0);
      expect(socket.writes).toBe(joinWrites + 1);
      expect(Buffer.concat(socket.received)).toEqual(Buffer.concat(plain.chunks));
    });

    it('reuses a batch whose every viewer took it whole, and not one a socket took only part of', () => {
      const socket = new SocketSink(41);
      const copying = new CopyingSink();
      const { h } = hubWith(copying, [socket]);
      const joined = copying.written.length;
      liveFrames(h, 1000, 2);
      const [first, second] = copying.written.slice(joined) as [Buffer, Buffer];
      expect(second.buffer).toBe(first.buffer);
      socket.take = 10;
      liveFrames(h, 1080, 2);
      const [partlyTaken, next] = copying.written.slice(joined + 2) as [Buffer, Buffer];
      expect(next.buffer).not.toBe(partlyTaken.buffer);
    });
  });
});
