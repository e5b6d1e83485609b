import { nextViewerId } from './hub-viewer';

describe('nextViewerId', () => {
  it('names each viewer once, after its protocol, in fewer than the 13 characters V8 would keep as concatenated pieces', () => {
    const ids = Array.from({ length: 1000 }, () => nextViewerId('rtmp'));
    expect(new Set(ids).size).toBe(1000);
    for (const id of ids) {
      expect(id).toMatch(/^rtmp-[0-9a-z]+$/);
      expect(id.length).toBeLessThan(13);
    }
  });
});
