export interface Amf0Limits {
  /** Maximum nesting of objects/arrays; 0 allows only scalars at the top level. */
  maxDepth: number;
  /** Maximum UTF-8 byte length of any one string, long string or property name. */
  maxStringBytes: number;
  /** Maximum number of properties in one object, typed object or ECMA array. */
  maxKeys: number;
  /** Maximum number of values (scalars and containers) in one decode call. */
  maxValues: number;
}

/**
 * Defaults sized for RTMP command and data messages (connect, publish,
 * onMetaData, @setDataFrame), which in practice nest 3 levels deep, carry
 * URLs / stream keys / encoder names well under 1 KiB and have a few dozen
 * properties:
 * - maxDepth 16: generous headroom over real traffic while keeping recursion
 *   (one stack frame per level) trivially bounded.
 * - maxStringBytes 64 KiB: everything a 0x02 String can hold, plus one byte,
 *   so a peer cannot use 0x0C Long String (u32 length) to make us allocate
 *   gigabytes; RTMP messages are at most 16 MiB anyway.
 * - maxKeys 1024: far beyond onMetaData's ~20 keys; bounds per-object work
 *   and hash-table growth from a hostile peer.
 * - maxValues 65536: bounds total objects created per message (each value
 *   costs far more heap than the 1 input byte it can be encoded in), and
 *   caps strict-array counts before any work is done for them.
 */
export const DEFAULT_AMF0_LIMITS: Readonly<Amf0Limits> = Object.freeze({
  maxDepth: 16,
  maxStringBytes: 64 * 1024,
  maxKeys: 1024,
  maxValues: 65536,
});

/**
 * Decoder recursion uses one stack frame per nesting level; beyond this a
 * hostile buffer could exhaust the stack even if the caller asked for more.
 */
export const AMF0_HARD_MAX_DEPTH = 1000;

/** Merges caller overrides onto the defaults and rejects nonsensical values. */
export function resolveAmf0Limits(overrides: Partial<Amf0Limits> = {}): Amf0Limits {
  const limits: Amf0Limits = { ...DEFAULT_AMF0_LIMITS };
  for (const key of Object.keys(DEFAULT_AMF0_LIMITS) as (keyof Amf0Limits)[]) {
    const value = overrides[key];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < 0) {
      throw new RangeError(`Amf0Limits.${key} must be a non-negative integer, got ${String(value)}`);
    }
    limits[key] = value;
  }
  if (limits.maxDepth > AMF0_HARD_MAX_DEPTH) {
    throw new RangeError(`Amf0Limits.maxDepth must be at most ${AMF0_HARD_MAX_DEPTH}, got ${limits.maxDepth}`);
  }
  return limits;
}
