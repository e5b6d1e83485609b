import fc from 'fast-check';
import { decodeAmf0 } from './amf0-decoder';
import { encodeAmf0 } from './amf0-encoder';
import { AMF0_HARD_MAX_DEPTH } from './amf0-limits';
import { Amf0EcmaArray, type Amf0Value } from './amf0-types';
import { Amf0DecodeError } from './codec-errors';

// Full Unicode (no lone surrogates, which UTF-8 cannot carry).
const text = fc.string({ unit: 'binary', maxLength: 12 });

const { value: amf0Value } = fc.letrec<{ value: Amf0Value }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.double(),
    fc.boolean(),
    text,
    fc.constant(null),
    fc.constant(undefined),
    fc.date({ noInvalidDate: true }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(text, tie('value'), { maxKeys: 4, noNullPrototype: true }),
    fc.dictionary(text, tie('value'), { maxKeys: 4, noNullPrototype: true }).map((entries) => new Amf0EcmaArray(entries)),
  ),
}));

/** Decoding with limits high enough for anything the arbitrary produces. */
const roomy = { maxDepth: AMF0_HARD_MAX_DEPTH, maxValues: 1_000_000 };

function expectOnlyAmf0Errors(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    if (!(error instanceof Amf0DecodeError)) throw error;
  }
}

describe('AMF0 encode/decode', () => {
  describe('when any AMF0 value is encoded', () => {
    it('decodes back to an identical value (types, -0, NaN and undefined properties included)', () => {
      fc.assert(
        fc.property(fc.array(amf0Value, { maxLength: 4 }), (values) => {
          expect(decodeAmf0(encodeAmf0(...values), roomy)).toStrictEqual(values);
        }),
        { numRuns: 300 },
      );
    });

    it('round-trips "__proto__" and "" as ordinary keys', () => {
      const value = JSON.parse('{"__proto__": 1, "": 2, "constructor": 3}') as Amf0Value;
      expect(decodeAmf0(encodeAmf0(value))).toStrictEqual([value]);
    });
  });

  describe('when an encoding is truncated anywhere', () => {
    it('throws only Amf0DecodeError', () => {
      fc.assert(
        fc.property(fc.array(amf0Value, { minLength: 1, maxLength: 3 }), fc.nat(), (values, cut) => {
          const buf = encodeAmf0(...values);
          const truncated = buf.subarray(0, cut % buf.length);
          expectOnlyAmf0Errors(() => decodeAmf0(truncated, roomy));
        }),
        { numRuns: 300 },
      );
    });
  });

  describe('when given random bytes', () => {
    it('never throws anything but Amf0DecodeError', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
          expectOnlyAmf0Errors(() => decodeAmf0(Buffer.from(bytes)));
        }),
        { numRuns: 1000 },
      );
    });

    it('never throws anything but Amf0DecodeError when bytes are biased towards valid markers', () => {
      const markerHeavy = fc.array(
        fc.oneof(fc.constantFrom(0x00, 0x01, 0x02, 0x03, 0x05, 0x06, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x10), fc.integer({ min: 0, max: 255 })),
        { maxLength: 64 },
      );
      fc.assert(
        fc.property(markerHeavy, (bytes) => {
          expectOnlyAmf0Errors(() => decodeAmf0(Buffer.from(bytes), { maxDepth: 4, maxValues: 32, maxKeys: 4, maxStringBytes: 16 }));
        }),
        { numRuns: 1000 },
      );
    });

    it('never throws anything but Amf0DecodeError after a valid prefix is corrupted', () => {
      fc.assert(
        fc.property(amf0Value, fc.nat(), fc.integer({ min: 0, max: 255 }), (value, at, byte) => {
          const buf = Buffer.from(encodeAmf0(value));
          buf[at % buf.length] = byte;
          expectOnlyAmf0Errors(() => decodeAmf0(buf));
        }),
        { numRuns: 500 },
      );
    });
  });
});
