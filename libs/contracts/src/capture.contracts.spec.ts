import { fillSubject, parseSubject, subjectMatches, subjectPattern } from './contract';
import {
  AgentDevicesSchema,
  CAPTURE_QUALITY_PRESETS,
  CaptureQualitySchema,
  DeviceInputCommandSchema,
  StartCaptureRequestSchema,
  captureContracts,
  inputOutsideScreen,
} from './capture.contracts';
import { isValidSubjectTemplate } from './subject-grammar';

describe('capture contracts', () => {
  it.each(Object.values(captureContracts).map((c) => [c.subject]))('subject %s follows the grammar', (subject) => {
    expect(isValidSubjectTemplate(subject)).toBe(true);
  });

  it('addresses commands by device id as one token, so one agent can listen to capture.v1.device.*.start', () => {
    const subject = fillSubject(captureContracts.deviceStart.subject, { deviceId: 'android-emulator-5554' });
    expect(subject).toBe('capture.v1.device.android-emulator-5554.start');
    expect(subjectMatches(subjectPattern(captureContracts.deviceStart.subject), subject)).toBe(true);
    expect(subjectMatches(subjectPattern(captureContracts.deviceStop.subject), subject)).toBe(false);
    expect(parseSubject(captureContracts.deviceInput.subject, 'capture.v1.device.cam-1.input')).toEqual({ deviceId: 'cam-1' });
    expect(() => fillSubject(captureContracts.deviceStart.subject, { deviceId: 'a.b' })).toThrow(/must be/);
  });

  it('keeps a dead agent out by TTL: a heartbeat without ttlMs or with a bad device id is rejected', () => {
    const beat = { agentId: 'agent-1', host: 'h', sentAt: new Date().toISOString(), ttlMs: 3000, devices: [] };
    expect(AgentDevicesSchema.safeParse(beat).success).toBe(true);
    expect(AgentDevicesSchema.safeParse({ ...beat, ttlMs: undefined }).success).toBe(false);
    const device = { id: 'bad id', kind: 'camera', name: 'c', capabilities: { input: false, audio: false } };
    expect(AgentDevicesSchema.safeParse({ ...beat, devices: [device] }).success).toBe(false);
  });

  it('accepts the presets as qualities and refuses odd sizes', () => {
    for (const q of Object.values(CAPTURE_QUALITY_PRESETS)) expect(CaptureQualitySchema.safeParse(q).success).toBe(true);
    const odd = CaptureQualitySchema.safeParse({ width: 641, height: 360, fps: 30, bitrateKbps: 800 });
    expect(odd.success).toBe(false);
    expect(odd.error?.issues[0]?.path).toEqual(['width']);
  });

  it('takes servers without a query whose scheme fits the output (the key travels in its own field)', () => {
    const base = { streamId: 's1', streamKey: 'sk_12345678', output: 'rtmp', quality: CAPTURE_QUALITY_PRESETS['360p'] };
    expect(StartCaptureRequestSchema.safeParse({ ...base, server: 'rtmp://127.0.0.1:1935/live' }).success).toBe(true);
    expect(StartCaptureRequestSchema.safeParse({ ...base, server: 'http://x/live' }).success).toBe(false);
    expect(StartCaptureRequestSchema.safeParse({ ...base, server: 'srt://h:9000?streamid=x' }).success).toBe(false);
    expect(StartCaptureRequestSchema.safeParse({ ...base, output: 'whip', server: 'rtmp://h/live' }).success).toBe(false);
    expect(StartCaptureRequestSchema.safeParse({ ...base, output: 'whip', server: 'http://sfu:8083/whip/abc' }).success).toBe(true);
    expect(StartCaptureRequestSchema.safeParse({ ...base, output: 'whip', server: 'https://sfu/whip/abc?k=v' }).success).toBe(false);
    expect(StartCaptureRequestSchema.safeParse({ ...base, output: 'srt', server: 'rtmp://h/live' }).success).toBe(false);
  });

  describe('input commands', () => {
    it('fills gesture durations and validates key codes', () => {
      expect(DeviceInputCommandSchema.parse({ type: 'swipe', x1: 0, y1: 0, x2: 10, y2: 10 })).toMatchObject({ durationMs: 300 });
      expect(DeviceInputCommandSchema.parse({ type: 'longPress', x: 1, y: 2 })).toMatchObject({ durationMs: 800 });
      expect(DeviceInputCommandSchema.safeParse({ type: 'key', code: 'KEYCODE_HOME' }).success).toBe(true);
      expect(DeviceInputCommandSchema.safeParse({ type: 'key', code: 3 }).success).toBe(true);
      expect(DeviceInputCommandSchema.safeParse({ type: 'key', code: 'home; reboot' }).success).toBe(false);
      expect(DeviceInputCommandSchema.safeParse({ type: 'tap', x: -1, y: 0 }).success).toBe(false);
      expect(DeviceInputCommandSchema.safeParse({ type: 'text', text: '' }).success).toBe(false);
      expect(DeviceInputCommandSchema.safeParse({ type: 'pinch' }).success).toBe(false);
    });

    it('names the coordinates outside the screen', () => {
      const screen = { width: 1080, height: 1920 };
      expect(inputOutsideScreen({ type: 'tap', x: 1079, y: 1919 }, screen)).toEqual([]);
      expect(inputOutsideScreen({ type: 'tap', x: 1080, y: 5 }, screen)).toEqual(['x: 1080 is outside the screen width 1080']);
      expect(inputOutsideScreen({ type: 'swipe', x1: 0, y1: 0, x2: 5, y2: 2000, durationMs: 300 }, screen)).toEqual([
        'y2: 2000 is outside the screen height 1920',
      ]);
      expect(inputOutsideScreen({ type: 'text', text: 'hi' }, screen)).toEqual([]);
    });
  });
});
