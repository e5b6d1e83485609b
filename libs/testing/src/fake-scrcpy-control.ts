/**
 * Splits the control socket's byte stream into scrcpy 3.3.1 control messages
 * (server/src/main/java/com/genymobile/scrcpy/control/ControlMessageReader.java): a type byte, then a body whose
 * length the type fixes or announces. The fake acts only on RESET_VIDEO; the others are recorded by type, so their
 * lengths must be known to find the next message.
 */

export const CONTROL_MSG_INJECT_KEYCODE = 0;
export const CONTROL_MSG_INJECT_TEXT = 1;
export const CONTROL_MSG_INJECT_TOUCH_EVENT = 2;
export const CONTROL_MSG_RESET_VIDEO = 17;

/**
 * Largest message accepted. The real reader would allocate whatever a length field says; the fake stops there
 * instead (the real MESSAGE_MAX_SIZE, 256 KiB, which bounds clipboard text on the client side).
 */
export const CONTROL_MSG_MAX_SIZE = 1 << 18;

/** Fixed total sizes (type byte included) of the messages without a variable part. */
const FIXED: Record<number, number> = {
  0: 14, // INJECT_KEYCODE: action u8, keycode i32, repeat i32, metaState i32
  2: 32, // INJECT_TOUCH_EVENT: action u8, pointerId i64, position (x i32, y i32, w u16, h u16), pressure u16, actionButton i32, buttons i32
  3: 21, // INJECT_SCROLL_EVENT: position (12), hScroll i16, vScroll i16, buttons i32
  4: 2, // BACK_OR_SCREEN_ON: action u8
  5: 1, // EXPAND_NOTIFICATION_PANEL
  6: 1, // EXPAND_SETTINGS_PANEL
  7: 1, // COLLAPSE_PANELS
  8: 2, // GET_CLIPBOARD: copyKey u8
  10: 2, // SET_DISPLAY_POWER: on u8
  11: 1, // ROTATE_DEVICE
  14: 3, // UHID_DESTROY: id u16
  15: 1, // OPEN_HARD_KEYBOARD_SETTINGS
  17: 1, // RESET_VIDEO
};

/** Big-endian unsigned length field of `size` bytes at `at`, or undefined when not yet received. */
function lengthField(data: Buffer, at: number, size: 1 | 2 | 4): number | undefined {
  if (data.length < at + size) return undefined;
  return data.readUIntBE(at, size);
}

/**
 * Total size of the message at the start of `data`: a number, undefined when more bytes are needed to tell,
 * or 'unknown' for a type the real reader rejects ("Unknown event type").
 */
export function controlMessageSize(data: Buffer): number | undefined | 'unknown' {
  const type = data[0];
  if (type === undefined) return undefined;
  const fixed = FIXED[type];
  if (fixed !== undefined) return fixed;
  const plus = (base: number, len: number | undefined): number | undefined => (len === undefined ? undefined : base + len);
  switch (type) {
    case 1: // INJECT_TEXT: u32 length + UTF-8
      return plus(5, lengthField(data, 1, 4));
    case 9: // SET_CLIPBOARD: sequence i64, paste u8, u32 length + UTF-8
      return plus(14, lengthField(data, 10, 4));
    case 12: {
      // UHID_CREATE: id, vendorId, productId (u16 each), name (u8 length + UTF-8), report descriptor (u16 length + bytes)
      const nameLength = lengthField(data, 7, 1);
      if (nameLength === undefined) return undefined;
      return plus(8 + nameLength + 2, lengthField(data, 8 + nameLength, 2));
    }
    case 13: // UHID_INPUT: id u16, u16 length + bytes
      return plus(5, lengthField(data, 3, 2));
    case 16: // START_APP: u8 length + UTF-8 name
      return plus(2, lengthField(data, 1, 1));
    default:
      return 'unknown';
  }
}

export class ScrcpyControlReader {
  private pending: Buffer = Buffer.alloc(0);
  private failed = false;

  /** Message types completed by `chunk`, in order; `error` once the stream cannot be parsed any more. */
  push(chunk: Buffer): { types: number[]; error?: string } {
    const types: number[] = [];
    if (this.failed) return { types };
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    for (;;) {
      const size = controlMessageSize(this.pending);
      if (size === 'unknown') return this.fail(types, `Unknown event type: ${this.pending[0]}`);
      if (size !== undefined && size > CONTROL_MSG_MAX_SIZE) return this.fail(types, `Control message too large: ${size} bytes`);
      if (size === undefined || this.pending.length < size) break;
      types.push(this.pending[0] as number);
      this.pending = this.pending.subarray(size);
    }
    // Keep a copy of the incomplete tail only, not the whole chunk it is a view of.
    this.pending = Buffer.from(this.pending);
    return { types };
  }

  private fail(types: number[], error: string): { types: number[]; error: string } {
    this.failed = true;
    this.pending = Buffer.alloc(0);
    return { types, error };
  }
}
