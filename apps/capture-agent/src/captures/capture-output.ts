import { capturePublishArgs, capturePublishUrl, type CaptureOutputKind } from '@mediaplane/media-plan';
import { redactText } from '@mediaplane/observability';
import type { CaptureQuality } from '../devices/device-source';

/** What one publish run reads: the feed's (or the slate's) FFmpeg inputs. */
export interface RunInputs {
  inputArgs: string[];
  videoIsH264: boolean;
  stdin: boolean;
}

/**
 * Where a capture publishes. RTMP and SRT are FFmpeg muxers into ingest; the
 * WHIP output (a later piece of work) implements this same seam with its own
 * transport behind it.
 */
export interface CaptureOutputTarget {
  readonly kind: CaptureOutputKind;
  /** FFmpeg arguments of one publish run. */
  runArgs(inputs: RunInputs, quality: CaptureQuality): string[];
  /** Removes the target's secrets (key, full URL) from text before it is logged. */
  redact(text: string): string;
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
