import { capturePublishArgs, capturePublishUrl, type AdaptiveChange, type CaptureOutputKind, type CaptureOutputName } from '@mediaplane/media-plan';
import { redactText } from '@mediaplane/observability';
import type { CaptureQuality } from '../devices/device-source';

/** What one publish run reads: the feed's (or the slate's) FFmpeg inputs. */
export interface RunInputs {
  inputArgs: readonly string[];
  videoIsH264: boolean;
  stdin: boolean;
}

/** What an output with its own transport may ask of its session. */
export interface OutputControl {
  /** End the current publish run and start the next at once (e.g. a fresh keyframe for a new WebRTC session). */
  restartRun(reason: string): void;
  /** A keyframe soon: from the device without a gap when its feed can make one (screenrecord's seamless hand-over), otherwise by a new run. */
  requestKeyframe(reason: string): void;
  /** Publish at another quality from now on (adaptive quality): the next run uses it, started at once. */
  adapt(change: AdaptiveChange): void;
}

export interface AdaptiveView {
  step: number;
  steps: number;
  changes: number;
}

/**
 * Where a capture publishes. RTMP and SRT are FFmpeg muxers into ingest; WHIP
 * (WhipOutput) has its own transport beside FFmpeg — a WebRTC session kept up
 * between runs — so it also uses the optional lifecycle: `open` before the
 * first run, `close` after the last.
 */
export interface CaptureOutputTarget {
  readonly kind: CaptureOutputName;
  /** FFmpeg arguments of one publish run. */
  runArgs(inputs: RunInputs, quality: CaptureQuality): string[];
  /** Removes the target's secrets (key, full URL) from text before it is logged. */
  redact(text: string): string;
  open?(control: OutputControl): Promise<void>;
  close?(): Promise<void>;
  /** The adaptive-quality state, for outputs that adapt. */
  adaptive?(): AdaptiveView | undefined;
}

export interface OutputOptions {
  allowPassthrough: boolean;
  x264Preset: string;
}

/** FFmpeg publishing to ingest: FLV over RTMP or MPEG-TS over SRT. */
export class IngestOutput implements CaptureOutputTarget {
  private readonly url: string;

  constructor(
    readonly kind: CaptureOutputKind,
    server: string,
    private readonly streamKey: string,
    private readonly options: OutputOptions,
  ) {
    this.url = capturePublishUrl(kind, server, streamKey);
  }

  runArgs(inputs: RunInputs, quality: CaptureQuality): string[] {
    return capturePublishArgs({
      inputArgs: inputs.inputArgs,
      videoIsH264: inputs.videoIsH264,
      stdinInput: inputs.stdin,
      allowPassthrough: this.options.allowPassthrough,
      x264Preset: this.options.x264Preset,
      quality,
      output: this.kind,
      url: this.url,
    });
  }

  redact(text: string): string {
    return redactSecrets(text, [this.url, this.streamKey, encodeURIComponent(this.streamKey)]);
  }
}

/** Every occurrence of each secret replaced, then the platform's generic scrubbing (query keys, bearer tokens, SRT streamids). */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length >= 4) out = out.split(secret).join('[REDACTED]');
  }
  return redactText(out);
}
