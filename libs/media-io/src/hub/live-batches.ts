import { encodedFrame, type HubEncoder } from './hub-encoder';
import type { HubFrame } from './hub-frame';
import type { HubSink } from './hub-sink';

/** Spare memory grows in these steps, so that one buffer fits the inter frames and, once grown, the keyframes. */
const SPARE_STEP_BYTES = 64 * 1024;

export interface SharedBatch {
  readonly bytes: Buffer;
  /** The allocation `bytes` is the start of (the same buffer when it was laid out in place). */
  readonly memory: Buffer;
  /** Whether every sink it went to is known to have let go of it. */
  reusable: boolean;
}

/**
 * The memory of live batches, kept for the next flush of each format when the
 * last batch's every sink let go of it at once (see LiveBatchSet.sent).
 *
 * Why not allocate afresh: V8 adds every new ArrayBuffer's bytes to the old
 * generation's size until its next full collection, and starts one as that
 * nears the limit. A stream's viewers get a batch of ~17 KB thirty times a
 * second (4 Mb/s), and a buffer per tag plus one joining them brought the full collections
 * from every ~8–13 s to every ~4 s once a stream had a single viewer, whatever
 * the audience (--trace-gc; tools/bench/README.md, "what sets off the full
 * collections"): ~1 % of a core, the fan-out's fixed cost.
 */
export class LiveBatchPool {
  private readonly spares = new Map<string, Buffer>();

  /** The batches of one flush. `reuse` false: built afresh and never handed back (writes nobody tracks). */
  begin(reuse: boolean): LiveBatchSet {
    return new LiveBatchSet(reuse ? this.spares : undefined);
  }
}

/** One flush's batches, one per output format, shared by the up-to-date viewers of that format. */
export class LiveBatchSet {
  private readonly batches = new Map<string, SharedBatch>();
  /**
   * The batch the last call returned, and its key: the hub asks once per
   * viewer per flush, and consecutive viewers mostly share a format, so a
   * string comparison spares a Map lookup per viewer (the lookup was ~2 % of
   * the ingest's samples at 500 viewers).
   */
  private lastKey: string | undefined;
  private lastBatch: SharedBatch | undefined;

  constructor(private readonly spares: Map<string, Buffer> | undefined) {}

  /** The frames in the encoder's format, built on the first call for its key. */
  get(frames: readonly HubFrame[], encoder: HubEncoder): SharedBatch {
    const key = encoder.key;
    if (key === this.lastKey && this.lastBatch !== undefined) return this.lastBatch;
    let batch = this.batches.get(key);
    if (batch === undefined) {
      batch = this.build(frames, encoder);
      this.batches.set(key, batch);
    }
    this.lastKey = key;
    this.lastBatch = batch;
    return batch;
  }

  /**
   * Call right after the batch's bytes went to `sink`: its memory stays
   * reusable only while every sink it went to says it keeps no reference to
   * written bytes once nothing is buffered, and had nothing buffered after
   * this write (the kernel took it whole).
   */
  sent(batch: SharedBatch, sink: HubSink): void {
    if (batch.reusable && !(sink.releasesWrittenBytes === true && sink.bufferedBytes === 0)) batch.reusable = false;
  }

  /** After the flush: memory every sink let go of is kept for the format's next batch; the rest is left to the GC. */
  end(): void {
    if (!this.spares) return;
    for (const [key, batch] of this.batches) {
      if (batch.reusable) this.spares.set(key, batch.memory);
      else this.spares.delete(key);
    }
  }

  /**
   * A stateless encoder's bytes are made afresh and not cached on the frames:
   * a cached encoding lives as long as its frame in the GOP cache (seconds),
   * so every frame's bytes would be held twice and survive into V8's old
   * generation. An encoder that writes in place (encodeInto) gets the batch
   * in one buffer, the spare one when it fits. Joining and lagging viewers use
   * the cached per-frame encodings (encodedFrame), as does a stateful encoder
   * always.
   */
  private build(frames: readonly HubFrame[], encoder: HubEncoder): SharedBatch {
    if (encoder.stateful || !encoder.encodedLength || !encoder.encodeInto) {
      const encode = (frame: HubFrame): Buffer => (encoder.stateful ? encodedFrame(frame, encoder) : (frame.encoded.get(encoder.key) ?? encoder.encode(frame)));
      const bytes = frames.length === 1 ? encode(frames[0] as HubFrame) : Buffer.concat(frames.map(encode));
      return { bytes, memory: bytes, reusable: false };
    }
    let length = 0;
    for (const frame of frames) length += encoder.encodedLength(frame);
    const memory = this.memoryFor(encoder.key, length);
    this.spares?.delete(encoder.key);
    let offset = 0;
    for (const frame of frames) offset = encoder.encodeInto(frame, memory, offset);
    return { bytes: memory.length === length ? memory : memory.subarray(0, length), memory, reusable: this.spares !== undefined };
  }

  /**
   * The spare when it fits; else a new buffer, with room to grow into when a
   * spare was kept (batches are being reused) and of the exact size when not
   * (a fan-out whose sinks keep their batches gets no bigger buffers than it
   * needs). Unpooled: a slice of Node's shared pool would pin the whole slab.
   */
  private memoryFor(key: string, length: number): Buffer {
    const spare = this.spares?.get(key);
    if (spare && spare.length >= length) return spare;
    return Buffer.allocUnsafeSlow(spare ? Math.ceil(length / SPARE_STEP_BYTES) * SPARE_STEP_BYTES : length);
  }
}
