import { classifyMediaPayload } from './hub-frame';

/** Why a timestamp was rewritten (the label of the corrections metric). */
export type TimestampCorrection =
  /** The publisher's clock leapt ahead of the wall clock by more than the threshold (e.g. +1 h). */
  | 'forward_jump'
  /** The publisher's clock went back by more than the jitter tolerance (e.g. −8 s, a restarted encoder). */
  | 'backward_jump'
  /** A 32-bit (or 31-bit) timestamp wrapped around. */
  | 'wrap'
  /** The same timestamp again (all-zero or frozen clocks): a step was synthesized. */
  | 'constant'
  /** A small step back, within the jitter tolerance: held just after the previous frame. */
  | 'jitter';

/** A 31-bit counter's wrap (or an implausible 32-bit one) is rebased like a jump, and reported as a wrap. */
type StepKind = TimestampCorrection | 'wrap31';

export interface TimestampSanitizerOptions {
  /** A step this much larger than the wall-clock time between the frames is a jump, not a gap. */
  jumpThresholdMs: number;
  /** Steps back up to this much are jitter (clamped); larger ones are jumps (rebased). */
  jitterToleranceMs?: number;
  /** Milliseconds, monotonic (performance.now in production; a fake in tests). */
  now?: () => number;
}

const UINT32 = 2 ** 32;
/** A step back from above this to below (last − this) is a wrap of a 31- or 32-bit counter, not an encoder restart. */
const WRAP_ZONE = 2 ** 30;
const DEFAULT_JITTER_TOLERANCE_MS = 100;

/**
 * Keeps one track's decode timestamps monotonic and close to real time,
 * whatever the publisher sends: jumps are rebased (the frame lands one
 * typical step after the previous one), frozen clocks get synthesized steps
 * (from the track's typical step, or from arrival times when it has none),
 * small steps back are held just after the previous frame, and 32-bit wraps
 * are unwrapped. Nothing is invented or dropped: every frame passes, only its
 * timestamp may change, and each change is reported so it can be counted.
 *
 * Decoder configurations (sequence headers) do not move the timeline: they
 * take the current position, whatever they carry (encoders send them with 0).
 */
export class TimestampSanitizer {
  private readonly jitterToleranceMs: number;
  private readonly now: () => number;
  private lastIn: number | undefined;
  /** The last output on the continuous (unwrapped) timeline. */
  private lastOut = 0;
  private lastArrival = 0;
  private lastCorrected = false;
  private offset = 0;
  /** Exponential average of the track's normal steps (ms); undefined until one was seen. */
  private typicalStep: number | undefined;
  private arrivalStep: number | undefined;

  constructor(private readonly options: TimestampSanitizerOptions) {
    this.jitterToleranceMs = options.jitterToleranceMs ?? DEFAULT_JITTER_TOLERANCE_MS;
    this.now = options.now ?? (() => performance.now());
  }

  /** The timestamp to forward (uint32, wrapping as on the wire) and the correction made, if any. */
  next(timestamp: number, sequenceHeader = false): { timestamp: number; correction?: TimestampCorrection } {
    if (sequenceHeader) return { timestamp: this.lastIn === undefined ? timestamp : this.position };
    const arrival = this.now();
    if (this.lastIn === undefined) {
      this.lastIn = timestamp;
      this.lastOut = timestamp;
      this.lastArrival = arrival;
      return { timestamp };
    }
    const arrivalDelta = Math.max(0, arrival - this.lastArrival);
    this.arrivalStep = average(this.arrivalStep, arrivalDelta);
    const kind = this.classify(timestamp, arrivalDelta);
    let correction: TimestampCorrection | undefined = kind === 'wrap31' ? 'wrap' : kind;
    let out: number;
    if (kind === undefined || kind === 'wrap') {
      // A 32-bit wrap continues the timeline: the lost 2^32 goes into the offset.
      if (kind === 'wrap') this.offset += UINT32;
      out = timestamp + this.offset;
      if (out <= this.lastOut) {
        // Back within the tolerance of a frame that was held forward: hold this one too.
        out = this.lastOut + 1;
        correction ??= 'jitter';
      } else if (kind === undefined && !this.lastCorrected) {
        // Only steps between two untouched frames teach the typical step (a held frame makes the next step long).
        this.typicalStep = average(this.typicalStep, out - this.lastOut);
      }
    } else if (kind === 'jitter') {
      out = this.lastOut + 1;
    } else {
      // Rebase: this frame lands one typical step after the previous one, and later frames follow it.
      out = this.lastOut + this.step(arrivalDelta);
      this.offset = out - timestamp;
    }
    this.lastIn = timestamp;
    this.lastOut = out;
    this.lastArrival = arrival;
    this.lastCorrected = correction !== undefined;
    return correction ? { timestamp: out % UINT32, correction } : { timestamp: out % UINT32 };
  }

  /** The last timestamp forwarded (uint32), where configurations and script data of the track are placed. */
  get position(): number {
    return this.lastOut % UINT32;
  }

  /** What a step from the previous frame's timestamp to this one is, given the wall-clock time between them. */
  private classify(timestamp: number, arrivalDelta: number): StepKind | undefined {
    const lastIn = this.lastIn as number;
    const delta = timestamp - lastIn;
    // A 32-bit counter wrapped: continuous when the step across the wrap is a plausible one, else rebased.
    if (delta < -UINT32 / 2) return delta + UINT32 - arrivalDelta > this.options.jumpThresholdMs ? 'wrap31' : 'wrap';
    if (delta === 0) return 'constant';
    if (delta < 0) {
      if (-delta <= this.jitterToleranceMs) return 'jitter';
      return lastIn >= WRAP_ZONE && timestamp < lastIn - WRAP_ZONE ? 'wrap31' : 'backward_jump';
    }
    return delta - arrivalDelta > this.options.jumpThresholdMs ? 'forward_jump' : undefined;
  }

  /** The step a rebased or synthesized frame takes: the track's typical one, else the arrival spacing. */
  private step(arrivalDelta: number): number {
    const step = this.typicalStep ?? this.arrivalStep ?? arrivalDelta;
    return Math.min(1000, Math.max(1, Math.round(step)));
  }
}

function average(previous: number | undefined, sample: number): number {
  return previous === undefined ? sample : previous * 0.9 + sample * 0.1;
}

/**
 * A publisher's two tracks, each kept sane by its own TimestampSanitizer (so
 * a jump on one does not drag the other), classified by their tag bytes.
 */
export class PublisherTimeline {
  private readonly tracks: Record<'audio' | 'video', TimestampSanitizer>;

  constructor(options: TimestampSanitizerOptions) {
    this.tracks = { audio: new TimestampSanitizer(options), video: new TimestampSanitizer(options) };
  }

  retime(kind: 'audio' | 'video', timestamp: number, payload: Buffer): { timestamp: number; correction?: TimestampCorrection } {
    return this.tracks[kind].next(timestamp, classifyMediaPayload(kind, payload).sequenceHeader);
  }

  /** Where script data (onMetaData, cue points) goes: beside the latest frame, not at the publisher's own clock. */
  get position(): number {
    return Math.max(this.tracks.video.position, this.tracks.audio.position);
  }
}
