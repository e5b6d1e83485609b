import { BadRequestException } from '@nestjs/common';
import { parseLipSyncParam } from './lip-sync-param';

describe('parseLipSyncParam', () => {
  it('keeps lip sync unless the viewer turns it off', () => {
    expect(parseLipSyncParam(undefined)).toBe(true);
    expect(parseLipSyncParam('true')).toBe(true);
    expect(parseLipSyncParam('1')).toBe(true);
    expect(parseLipSyncParam('false')).toBe(false);
    expect(parseLipSyncParam('0')).toBe(false);
  });

  it('refuses anything else, repeated parameters included', () => {
    for (const value of ['', 'no', 'FALSE', ['false', 'true'], { a: 1 }]) {
      expect(() => parseLipSyncParam(value)).toThrow(BadRequestException);
    }
  });
});
