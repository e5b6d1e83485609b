import { createHash } from 'node:crypto';

/**
 * Pure builders of the Android shell command lines the agent sends over adb
 * (`shell:`/`exec:` services run them through the device's /system/bin/sh),
 * and parsers of their answers. Every value that reaches a command line is
 * validated or single-quoted here, so no caller input is ever interpreted by
 * the device shell.
 */

/** Raised for input the device cannot take (bad coordinates, unsupported characters); the API turns it into a 400. */
export class InputRejectedError extends Error {
  override readonly name = 'InputRejectedError';
}

/** One argument for the Android shell (mksh): single quotes, a quote inside becomes '\''. */
export function shellQuote(arg: string): string {
  if (arg.includes('\0')) throw new InputRejectedError('NUL cannot be passed to the device shell');
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * `android-<serial>` made of [A-Za-z0-9_-]. A serial with other characters
 * (`192.168.1.5:5555`, `emulator-5554` is fine) is sanitized and gets a short
 * hash of the real serial, so two serials that sanitize alike keep distinct ids.
 */
export function androidDeviceId(serial: string): string {
  const clean = serial.replace(/[^A-Za-z0-9_-]/g, '-');
  if (clean === serial && serial.length > 0 && serial.length <= 56) return `android-${serial}`;
  const hash = createHash('sha256').update(serial).digest('hex').slice(0, 6);
  return `android-${clean.slice(0, 48) || 'x'}-${hash}`;
}

/** `wm size` → the size the display renders at: an "Override size" wins over the "Physical size". */
export function parseWmSize(output: string): { width: number; height: number } | undefined {
  const pick = (label: string) => new RegExp(`${label} size:\\s*(\\d{2,5})x(\\d{2,5})`).exec(output);
  const m = pick('Override') ?? pick('Physical');
  if (!m) return undefined;
  return { width: Number(m[1]), height: Number(m[2]) };
}

/** ro.product.model as a display name: trimmed, printable, at most 64 characters. */
export function cleanModel(output: string): string | undefined {
  const model = output.replace(/[^\x20-\x7e]/g, '').trim().slice(0, 64);
  return model || undefined;
}

/** screenrecord reports "not found" (or the shell does) where the binary is missing or blocked. */
export function screenrecordMissing(helpOutput: string): boolean {
  return /not found|inaccessible|permission denied/i.test(helpOutput);
}

export interface ScreenrecordOptions {
  width: number;
  height: number;
  bitrateKbps: number;
  /** Seconds; screenrecord stops on its own after this (180 is the most many versions allow). */
  timeLimitS: number;
}

/**
 * screenrecord writing raw H.264 (Annex B) to stdout. --size fixes the video
 * size for the whole run: when the device rotates, screenrecord letterboxes
 * the picture itself, so the output size stays constant with the aspect kept.
 */
export function screenrecordCommand(options: ScreenrecordOptions): string {
  const w = evenInt(options.width, 'width', 16, 4096);
  const h = evenInt(options.height, 'height', 16, 4096);
  const bitRate = Math.round(clampInt(options.bitrateKbps, 'bitrateKbps', 100, 100_000) * 1000);
  const limit = clampInt(options.timeLimitS, 'timeLimitS', 1, 180);
  return `screenrecord --output-format=h264 --size ${w}x${h} --bit-rate ${bitRate} --time-limit ${limit} -`;
}

/** PNG of the current screen on stdout (exec: keeps it binary-safe). */
export const SCREENCAP_COMMAND = 'screencap -p';

export function tapCommand(x: number, y: number): string {
  return `input tap ${coord(x, 'x')} ${coord(y, 'y')}`;
}

export function swipeCommand(x1: number, y1: number, x2: number, y2: number, durationMs: number): string {
  return `input swipe ${coord(x1, 'x1')} ${coord(y1, 'y1')} ${coord(x2, 'x2')} ${coord(y2, 'y2')} ${duration(durationMs)}`;
}

/** `input` has no long press; a swipe that does not move, held for the duration, is one. */
export function longPressCommand(x: number, y: number, durationMs: number): string {
  return swipeCommand(x, y, x, y, durationMs);
}

/** Most characters one `input text` call is given (the device types them one key event at a time). */
export const MAX_INPUT_TEXT = 1000;

/**
 * `input text` types through the virtual keyboard's key map, which has
 * printable ASCII only; other characters are refused here rather than
 * silently dropped on the device. A space is sent as `%s` (the one form every
 * Android version's `input text` turns into a space), so a literal "%s" in the
 * text is typed as a space too.
 */
export function textCommand(value: string): string {
  if (value.length === 0) throw new InputRejectedError('text is empty');
  if (value.length > MAX_INPUT_TEXT) throw new InputRejectedError(`text is longer than ${MAX_INPUT_TEXT} characters`);
  if (!/^[\x20-\x7e]+$/.test(value)) throw new InputRejectedError('text may contain printable ASCII characters only (the device key map has no others)');
  return `input text ${shellQuote(value.replace(/ /g, '%s'))}`;
}

/** A key event by Android key code number (0–999) or name (`HOME`, `KEYCODE_BACK`). */
export function keyCommand(code: string | number): string {
  if (typeof code === 'number') {
    if (!Number.isInteger(code) || code < 0 || code > 999) throw new InputRejectedError(`key code ${code} is not an integer in 0..999`);
    return `input keyevent ${code}`;
  }
  const name = code.trim().toUpperCase();
  if (!/^[A-Z0-9_]{1,48}$/.test(name)) throw new InputRejectedError(`key ${JSON.stringify(code.slice(0, 60))} is not a key code name`);
  if (/^\d+$/.test(name)) return keyCommand(Number(name));
  return `input keyevent ${name.startsWith('KEYCODE_') ? name : `KEYCODE_${name}`}`;
}

function coord(value: number, what: string): number {
  if (!Number.isFinite(value) || value < 0 || value > 100_000) throw new InputRejectedError(`${what} must be a coordinate in screen pixels, got ${value}`);
  return Math.round(value);
}

function duration(ms: number): number {
  if (!Number.isFinite(ms) || ms < 0 || ms > 60_000) throw new InputRejectedError(`durationMs must be in 0..60000, got ${ms}`);
  return Math.round(ms);
}

function clampInt(value: number, what: string, min: number, max: number): number {
  if (!Number.isFinite(value)) throw new RangeError(`${what} must be a number`);
  return Math.min(max, Math.max(min, Math.round(value)));
}

function evenInt(value: number, what: string, min: number, max: number): number {
  const v = clampInt(value, what, min, max);
  return v - (v % 2);
}
