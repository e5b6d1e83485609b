import { resolveQuality } from './device.schemas';

describe('resolveQuality', () => {
  it('gives a preset in landscape for a landscape screen or an unknown one', () => {
    expect(resolveQuality({ preset: '720p' }, { width: 1920, height: 1080 })).toEqual({ width: 1280, height: 720, fps: 30, bitrateKbps: 2500 });
    expect(resolveQuality({ preset: '360p' })).toEqual({ width: 640, height: 360, fps: 30, bitrateKbps: 800 });
  });

  it('turns a preset upright for a portrait screen (a phone), keeping its rate', () => {
    expect(resolveQuality({ preset: '360p' }, { width: 1080, height: 2400 })).toEqual({ width: 360, height: 640, fps: 30, bitrateKbps: 800 });
  });

  it('takes an explicit quality as given, whatever the screen', () => {
    const explicit = { width: 640, height: 360, fps: 15, bitrateKbps: 500 };
    expect(resolveQuality(explicit, { width: 1080, height: 2400 })).toEqual(explicit);
  });
});
