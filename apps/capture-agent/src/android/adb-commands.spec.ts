import fc from 'fast-check';
import { splitShellWords } from '@mediaplane/testing';
import {
  InputRejectedError,
  androidDeviceId,
  cleanModel,
  keyCommand,
  longPressCommand,
  parseWmSize,
  screenrecordCommand,
  screenrecordMissing,
  shellQuote,
  swipeCommand,
  tapCommand,
  textCommand,
} from './adb-commands';

describe('adb commands', () => {
  describe('shellQuote', () => {
    it('single-quotes, closing and reopening around a quote', () => {
      expect(shellQuote("it's")).toBe(`'it'\\''s'`);
      expect(shellQuote('$(reboot); `x` && "y" | z > /sdcard/f')).toBe(`'$(reboot); \`x\` && "y" | z > /sdcard/f'`);
    });

    it('any string comes back as exactly one word from a POSIX shell (property)', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary', maxLength: 60 }).filter((s) => !s.includes('\0')), (s) => {
          expect(splitShellWords(`input text ${shellQuote(s)}`)).toEqual(['input', 'text', s]);
        }),
      );
    });

    it('refuses NUL', () => {
      expect(() => shellQuote('a\0b')).toThrow(InputRejectedError);
    });
  });

  describe('androidDeviceId', () => {
    it('keeps a clean serial', () => {
      expect(androidDeviceId('emulator-5554')).toBe('android-emulator-5554');
      expect(androidDeviceId('R58M123ABC')).toBe('android-R58M123ABC');
    });

    it('sanitizes other serials and keeps them distinct with a hash', () => {
      const a = androidDeviceId('192.168.1.5:5555');
      const b = androidDeviceId('192-168-1-5-5555');
      expect(a).toMatch(/^android-192-168-1-5-5555-[0-9a-f]{6}$/);
      expect(b).toBe('android-192-168-1-5-5555');
      expect(a).not.toBe(b);
    });

    it('always gives an id of [A-Za-z0-9_-]{1,64} (property)', () => {
      fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => expect(androidDeviceId(s)).toMatch(/^[A-Za-z0-9_-]{1,64}$/)));
    });
  });

  describe('parseWmSize', () => {
    it('reads the physical size', () => {
      expect(parseWmSize('Physical size: 1080x2400\n')).toEqual({ width: 1080, height: 2400 });
    });
    it('prefers an override size', () => {
      expect(parseWmSize('Physical size: 1440x3120\nOverride size: 1080x2340\n')).toEqual({ width: 1080, height: 2340 });
    });
    it('gives undefined for anything else', () => {
      expect(parseWmSize('/system/bin/sh: wm: not found')).toBeUndefined();
    });
  });

  it('cleans the model for display', () => {
    expect(cleanModel('Pixel 7\r\n')).toBe('Pixel 7');
    expect(cleanModel('\n')).toBeUndefined();
  });

  it('detects a missing screenrecord', () => {
    expect(screenrecordMissing('/system/bin/sh: screenrecord: inaccessible or not found')).toBe(true);
    expect(screenrecordMissing('Usage: screenrecord [options] <filename>')).toBe(false);
  });

  describe('screenrecordCommand', () => {
    it('asks for raw H.264 of the quality on stdout with a time limit', () => {
      expect(screenrecordCommand({ width: 1280, height: 720, bitrateKbps: 2500, timeLimitS: 180 })).toBe(
        'screenrecord --output-format=h264 --size 1280x720 --bit-rate 2500000 --time-limit 180 -',
      );
    });
    it('keeps sizes even and the limit within what screenrecord takes', () => {
      expect(screenrecordCommand({ width: 641, height: 361, bitrateKbps: 1, timeLimitS: 999 })).toBe(
        'screenrecord --output-format=h264 --size 640x360 --bit-rate 100000 --time-limit 180 -',
      );
    });
  });

  describe('input', () => {
    it('taps, swipes and long-presses in whole pixels', () => {
      expect(tapCommand(10.4, 20.6)).toBe('input tap 10 21');
      expect(swipeCommand(1, 2, 3, 4, 300)).toBe('input swipe 1 2 3 4 300');
      expect(longPressCommand(50, 60, 800)).toBe('input swipe 50 60 50 60 800');
    });

    it('refuses coordinates and durations that are not numbers in range', () => {
      expect(() => tapCommand(-1, 0)).toThrow(InputRejectedError);
      expect(() => tapCommand(Number.NaN, 0)).toThrow(InputRejectedError);
      expect(() => swipeCommand(0, 0, 1, 1, 120_000)).toThrow(/durationMs/);
    });

    it('types text as one quoted word with spaces as %s', () => {
      expect(textCommand("it's me; rm -rf /")).toBe(`input text 'it'\\''s%sme;%srm%s-rf%s/'`);
      expect(splitShellWords(textCommand('a"b$c`d'))).toEqual(['input', 'text', 'a"b$c`d']);
    });

    it('refuses text the device key map cannot type', () => {
      expect(() => textCommand('')).toThrow(/empty/);
      expect(() => textCommand('héllo')).toThrow(/printable ASCII/);
      expect(() => textCommand('a\nb')).toThrow(/printable ASCII/);
      expect(() => textCommand('x'.repeat(1001))).toThrow(/longer/);
    });

    it('sends key events by number or KEYCODE_ name', () => {
      expect(keyCommand(3)).toBe('input keyevent 3');
      expect(keyCommand('home')).toBe('input keyevent KEYCODE_HOME');
      expect(keyCommand('KEYCODE_BACK')).toBe('input keyevent KEYCODE_BACK');
      expect(keyCommand('66')).toBe('input keyevent 66');
      expect(() => keyCommand('HOME; reboot')).toThrow(InputRejectedError);
      expect(() => keyCommand(1.5)).toThrow(InputRejectedError);
    });
  });
});
