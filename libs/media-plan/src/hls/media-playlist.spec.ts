import { MediaPlaylist, type PlaylistSegment } from './media-playlist';

const t0 = Date.parse('2025-01-01T00:00:00.000Z');
const seg = (msn: number, extra: Partial<PlaylistSegment> = {}): PlaylistSegment => ({
  msn,
  uri: `s${msn}-e1.ts`,
  durationSeconds: 2,
  programDateTime: new Date(t0 + msn * 2000),
  discontinuity: false,
  bytes: 250_000,
  ...extra,
});

describe('MediaPlaylist', () => {
  it('renders a live playlist with program date times and independent segments', () => {
    const p = new MediaPlaylist({ window: 3, segmentSeconds: 2, discontinuitySequence: 0 });
    p.append(seg(0));
    p.append(seg(1, { durationSeconds: 1.968 }));
    expect(p.render()).toBe(
      [
        '#EXTM3U',
        '#EXT-X-VERSION:6',
        '#EXT-X-TARGETDURATION:2',
        '#EXT-X-MEDIA-SEQUENCE:0',
        '#EXT-X-DISCONTINUITY-SEQUENCE:0',
        '#EXT-X-INDEPENDENT-SEGMENTS',
        '#EXT-X-PROGRAM-DATE-TIME:2025-01-01T00:00:00.000Z',
        '#EXTINF:2.000,',
        's0-e1.ts',
        '#EXT-X-PROGRAM-DATE-TIME:2025-01-01T00:00:02.000Z',
        '#EXTINF:1.968,',
        's1-e1.ts',
        '',
      ].join('\n'),
    );
  });

  it('slides its window and hands back what left it', () => {
    const p = new MediaPlaylist({ window: 3, segmentSeconds: 2, discontinuitySequence: 0 });
    const evicted = [0, 1, 2, 3, 4].flatMap((n) => p.append(seg(n)));
    expect(evicted.map((s) => s.msn)).toEqual([0, 1]);
    expect(p.list().map((s) => s.msn)).toEqual([2, 3, 4]);
    expect(p.render()).toContain('#EXT-X-MEDIA-SEQUENCE:2\n');
  });

  describe('when a segment follows a discontinuity', () => {
    it('tags it, and counts the tag in DISCONTINUITY-SEQUENCE once it slides out', () => {
      const p = new MediaPlaylist({ window: 2, segmentSeconds: 2, discontinuitySequence: 4 });
      p.append(seg(10, { discontinuity: true }));
      p.append(seg(11));
      expect(p.render()).toMatch(/#EXT-X-DISCONTINUITY-SEQUENCE:4\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME/);
      p.append(seg(12));
      expect(p.render()).toContain('#EXT-X-DISCONTINUITY-SEQUENCE:5\n');
      expect(p.render()).not.toContain('#EXT-X-DISCONTINUITY\n');
    });
  });

  it('raises the target duration for a longer segment and never lowers it', () => {
    const p = new MediaPlaylist({ window: 2, segmentSeconds: 2, discontinuitySequence: 0 });
    p.append(seg(0, { durationSeconds: 4.2 }));
    p.append(seg(1));
    p.append(seg(2));
    p.append(seg(3));
    expect(p.render()).toContain('#EXT-X-TARGETDURATION:4\n');
  });

  it('refuses a sequence number that goes backwards', () => {
    const p = new MediaPlaylist({ window: 2, segmentSeconds: 2, discontinuitySequence: 0 });
    p.append(seg(5));
    expect(() => p.append(seg(5))).toThrow(/does not follow/);
  });

  it('ends with EXT-X-ENDLIST and reports its peak bit rate', () => {
    const p = new MediaPlaylist({ window: 4, segmentSeconds: 2, discontinuitySequence: 0 });
    p.append(seg(0, { bytes: 500_000 }));
    p.append(seg(1, { bytes: 250_000 }));
    p.end();
    expect(p.render().endsWith('#EXT-X-ENDLIST\n')).toBe(true);
    expect(p.peakBitrate()).toBe(2_000_000);
  });
});
