import { isUntracedIncomingRequest } from './instrumentations';

describe('isUntracedIncomingRequest', () => {
  it('leaves probes, scrapes and media streams untraced, query or not', () => {
    for (const url of ['/healthz', '/readyz', '/metrics', '/live/s1.flv', '/live/s1.flv?token=t', '/live/s1.ts']) {
      expect({ url, untraced: isUntracedIncomingRequest(url) }).toEqual({ url, untraced: true });
    }
  });

  it('traces the API, WHIP/WHEP, HLS and anything else, and does not take a look-alike path for a stream', () => {
    for (const url of ['/api/v1/streams', '/whep/s1', '/hls/s1/master.m3u8', '/metrics/extra', '/livex/s1.flv', '/', undefined]) {
      expect({ url, untraced: isUntracedIncomingRequest(url) }).toEqual({ url, untraced: false });
    }
  });
});
