export type DeviceKind = 'android' | 'desktop' | 'camera' | 'test-pattern';
export interface DeviceInfo {
  id: string;            // stable, unique per agent+device, [A-Za-z0-9_-]{1,64} (e.g. android-<serial sanitized>)
  kind: DeviceKind;
  name: string;          // display name (model for android)
  model?: string;
  screen?: { width: number; height: number };
  capabilities: { input: boolean; audio: boolean };
}
export interface CaptureQuality { width: number; height: number; fps: number; bitrateKbps: number }
/** What a running capture produces: an FFmpeg input (args before the output), optionally fed on stdin. */
export interface CaptureFeed {
  /** FFmpeg input arguments, e.g. ['-f','h264','-framerate','30','-i','pipe:0'] or ['-f','lavfi','-i','testsrc2=...']. */
  inputArgs: string[];
  /** Bytes to pipe into FFmpeg's stdin when inputArgs read pipe:0 (e.g. screenrecord's H.264 elementary stream). */
  stdin?: NodeJS.ReadableStream;
  /**
   * A second input beside the video: FFmpeg input arguments that read `pipe:3` and the bytes for it (scrcpy's raw
   * audio). Absent: the feed's inputs are all in `inputArgs`.
   */
  audioInput?: { inputArgs: readonly string[]; stream: NodeJS.ReadableStream };
  /** The feed's video is H.264 that may be passed through (-c:v copy) when the quality allows. */
  videoIsH264: boolean;
  /**
   * Makes the device send a keyframe soon without a gap (screenrecord: an early seamless hand-over to a new run, which
   * begins with one). Absent: only a new publish run brings one.
   */
  requestKeyframe?(): void;
  /**
   * Moves the device to another quality without a gap (screenrecord: the same hand-over, to a run with the new size
   * and bit rate). Absent: a new publish run opens the feed at the new quality.
   */
  changeQuality?(quality: CaptureQuality): void;
  /** Stops the device side (screenrecord etc.); idempotent. */
  stop(): Promise<void>;
  /** Emits 'ended' (reason) when the device side ends on its own (unplugged, crashed). */
  on(event: 'ended', listener: (reason: string) => void): this;
  /** Emits 'inputChanged' when the runs must be built anew (e.g. `videoIsH264` changed: a turned device is re-encoded). */
  on(event: 'inputChanged', listener: () => void): this;
}
export interface DeviceInput {
  tap(x: number, y: number): Promise<void>;
  swipe(x1: number, y1: number, x2: number, y2: number, durationMs: number): Promise<void>;
  longPress(x: number, y: number, durationMs: number): Promise<void>;
  text(value: string): Promise<void>;
  key(code: string | number): Promise<void>;
}
export interface DeviceSource {
  readonly kind: DeviceKind;
  start(): Promise<void>; stop(): Promise<void>;
  list(): DeviceInfo[];
  on(event: 'added', l: (d: DeviceInfo) => void): this; on(event: 'removed', l: (id: string) => void): this;
  openCapture(deviceId: string, quality: CaptureQuality): Promise<CaptureFeed>;
  input?(deviceId: string): DeviceInput | undefined;   // only devices with capabilities.input
}
