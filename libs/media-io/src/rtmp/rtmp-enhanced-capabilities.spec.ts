import fc from 'fast-check';
import { Amf0EcmaArray, decodeAmf0, encodeAmf0, amf0Properties, type Amf0Value } from '@mediaplane/codecs';
import {
  FourCcInfoMask,
  MAX_ANNOUNCED_FOURCCS,
  acceptsFourCc,
  parseRtmpEnhancedCapabilities,
  rtmpServerEnhancedProperties,
} from './rtmp-enhanced-capabilities';

describe('parseRtmpEnhancedCapabilities', () => {
  describe('when a legacy client connects (no E-RTMP properties)', () => {
    it('announces nothing, so no E-RTMP FourCC is accepted', () => {
      const caps = parseRtmpEnhancedCapabilities({ app: 'live', flashVer: 'LNX 9,0,124,2', audioCodecs: 3575, videoCodecs: 252 });
      expect(caps).toEqual({ fourCcList: [], videoFourCcInfoMap: {}, audioFourCcInfoMap: {}, capsEx: 0 });
      expect(acceptsFourCc(caps, 'video', 'hvc1')).toBe(false);
      expect(acceptsFourCc(caps, 'audio', 'Opus')).toBe(false);
    });
  });

  describe('when an E-RTMP v1 client sends fourCcList (FFmpeg 6.1+, OBS 30)', () => {
    it('accepts exactly the listed FourCCs, for either kind', () => {
      const caps = parseRtmpEnhancedCapabilities({ app: 'live', fourCcList: ['av01', 'vp09', 'hvc1'] });
      expect(caps.fourCcList).toEqual(['av01', 'vp09', 'hvc1']);
      expect(acceptsFourCc(caps, 'video', 'hvc1')).toBe(true);
      expect(acceptsFourCc(caps, 'video', 'avc1')).toBe(false);
      expect(acceptsFourCc(caps, 'audio', 'Opus')).toBe(false);
    });

    it("treats '*' as any codec and reads a comma-separated string as a list", () => {
      expect(acceptsFourCc(parseRtmpEnhancedCapabilities({ fourCcList: ['*'] }), 'audio', 'Opus')).toBe(true);
      expect(parseRtmpEnhancedCapabilities({ fourCcList: 'hvc1,av01' }).fourCcList).toEqual(['hvc1', 'av01']);
    });
  });

  describe('when an E-RTMP v2 client sends FourCC info maps and capsEx', () => {
    it('accepts a FourCC it can decode or forward, not one it can only encode', () => {
      const caps = parseRtmpEnhancedCapabilities({
        videoFourCcInfoMap: { hvc1: FourCcInfoMask.CanDecode, av01: FourCcInfoMask.CanEncode },
        audioFourCcInfoMap: new Amf0EcmaArray({ '*': FourCcInfoMask.CanForward }),
        capsEx: 0x03,
      });
      expect(acceptsFourCc(caps, 'video', 'hvc1')).toBe(true);
      expect(acceptsFourCc(caps, 'video', 'av01')).toBe(false);
      expect(acceptsFourCc(caps, 'video', 'vp09')).toBe(false);
      expect(acceptsFourCc(caps, 'audio', 'Opus')).toBe(true);
      expect(caps.capsEx).toBe(3);
    });
  });

  describe('when the properties are malformed or hostile', () => {
    it('skips entries that are not FourCCs, masks that are not u32 and containers of the wrong type', () => {
      const caps = parseRtmpEnhancedCapabilities({
        fourCcList: ['hvc1', 7, 'toolong', '', null, 'hvc1'],
        videoFourCcInfoMap: { av01: -1, vp09: 1.5, hvc1: 2 ** 33, __proto__x: 1, avc1: 1 },
        audioFourCcInfoMap: ['Opus'],
        capsEx: 'all',
      });
      expect(caps).toEqual({ fourCcList: ['hvc1'], videoFourCcInfoMap: { avc1: 1 }, audioFourCcInfoMap: {}, capsEx: 0 });
    });

    it(`keeps at most ${MAX_ANNOUNCED_FOURCCS} entries of each property`, () => {
      const many = Array.from({ length: 1000 }, (_, i) => `c${String(i).padStart(3, '0')}`);
      const caps = parseRtmpEnhancedCapabilities({ fourCcList: many, videoFourCcInfoMap: Object.fromEntries(many.map((f) => [f, 1])) });
      expect(caps.fourCcList).toHaveLength(MAX_ANNOUNCED_FOURCCS);
      expect(Object.keys(caps.videoFourCcInfoMap)).toHaveLength(MAX_ANNOUNCED_FOURCCS);
    });

    it('never throws and never accepts a FourCC nobody announced, whatever the connect object holds', () => {
      const value: fc.Arbitrary<Amf0Value> = fc.letrec<{ v: Amf0Value }>((tie) => ({
        v: fc.oneof(
          { depthSize: 'small' },
          fc.string({ maxLength: 6 }),
          fc.double(),
          fc.boolean(),
          fc.constant(null),
          fc.array(tie('v'), { maxLength: 5 }),
          fc.dictionary(fc.string({ maxLength: 5 }), tie('v'), { maxKeys: 5 }),
        ),
      })).v;
      fc.assert(
        fc.property(fc.dictionary(fc.constantFrom('fourCcList', 'videoFourCcInfoMap', 'audioFourCcInfoMap', 'capsEx', 'app'), value), (object) => {
          const caps = parseRtmpEnhancedCapabilities(object);
          for (const kind of ['audio', 'video'] as const) {
            if (acceptsFourCc(caps, kind, 'zzzz')) {
              const map = kind === 'video' ? caps.videoFourCcInfoMap : caps.audioFourCcInfoMap;
              expect(caps.fourCcList.includes('zzzz') || caps.fourCcList.includes('*') || map['zzzz'] !== undefined || map['*'] !== undefined).toBe(true);
            }
          }
        }),
      );
    });
  });
});

describe('rtmpServerEnhancedProperties', () => {
  it('announces every relayed FourCC in fourCcList and as CanForward in the info maps, and survives AMF0', () => {
    const properties = amf0Properties(decodeAmf0(encodeAmf0(rtmpServerEnhancedProperties()))[0] ?? null) ?? {};
    const caps = parseRtmpEnhancedCapabilities(properties);
    expect(caps.fourCcList).toEqual(expect.arrayContaining(['hvc1', 'av01', 'vp09', 'Opus', 'mp4a']));
    expect(caps.videoFourCcInfoMap['hvc1']).toBe(FourCcInfoMask.CanForward);
    expect(caps.audioFourCcInfoMap['Opus']).toBe(FourCcInfoMask.CanForward);
  });
});
