import { z } from 'zod';
import { defineEvent, defineRequest } from './contract';
import { StreamIdSchema } from './stream.contracts';

/*
 * Capture agents ↔ control plane. Agents announce their devices with a
 * heartbeat per agent (`capture.v1.agent.<agentId>.devices`: the whole device
 * list and each device's capture state, sent every beat and at once on any
 * change). A whole list per beat, not added/removed deltas, so a lost message
 * heals at the next beat and a dead agent's devices expire with its entry's
 * TTL instead of needing a "removed" event it can no longer send.
 * Commands go to `capture.v1.device.<deviceId>.{start,stop,input}` (requests);
 * only the agent that has the device answers.
 */

export const DeviceIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 of A-Z a-z 0-9 _ -');
export const AgentIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be 1-128 of A-Z a-z 0-9 _ -');
export const DeviceKindSchema = z.enum(['android', 'desktop', 'camera', 'test-pattern']);

const pixels = z.number().int().min(1).max(16384);
export const ScreenSizeSchema = z.object({ width: pixels, height: pixels });

export const DeviceInfoSchema = z.object({
  id: DeviceIdSchema,
  kind: DeviceKindSchema,
  name: z.string().min(1).max(200),
  model: z.string().max(200).optional(),
  screen: ScreenSizeSchema.optional(),
  capabilities: z.object({ input: z.boolean(), audio: z.boolean() }),
});
export type DeviceInfoView = z.infer<typeof DeviceInfoSchema>;

/** Outputs a capture can publish over: RTMP or SRT into ingest, WHIP (WebRTC) into the SFU. */
export const CaptureOutputSchema = z.enum(['rtmp', 'srt', 'whip']);
export type CaptureOutput = z.infer<typeof CaptureOutputSchema>;
/** Outputs an agent implements (the start command's grammar). */
export const AgentCaptureOutputSchema = CaptureOutputSchema;

export const CaptureQualitySchema = z.object({
  width: z
    .number()
    .int()
    .min(64)
    .max(3840)
    .refine((v) => v % 2 === 0, 'must be even (4:2:0 video)'),
  height: z
    .number()
    .int()
    .min(64)
    .max(2160)
    .refine((v) => v % 2 === 0, 'must be even (4:2:0 video)'),
  fps: z.number().int().min(1).max(60),
  bitrateKbps: z.number().int().min(100).max(20000),
});
export type CaptureQualityView = z.infer<typeof CaptureQualitySchema>;

export const CAPTURE_QUALITY_PRESETS = {
  '360p': { width: 640, height: 360, fps: 30, bitrateKbps: 800 },
  '480p': { width: 854, height: 480, fps: 30, bitrateKbps: 1200 },
  '720p': { width: 1280, height: 720, fps: 30, bitrateKbps: 2500 },
  '1080p': { width: 1920, height: 1080, fps: 30, bitrateKbps: 4500 },
} as const satisfies Record<string, CaptureQualityView>;
export const CaptureQualityPresetSchema = z.enum(['360p', '480p', '720p', '1080p']);

/**
 * - `starting`: the first FFmpeg run is connecting.
 * - `live`: the device's picture is being published.
 * - `slate`: the device is gone (unplugged, its feed ended); the "device unavailable" slate keeps the stream up.
 * - `reconnecting`: the output failed (ingest away, refused); waiting out the backoff.
 */
export const CaptureStateNameSchema = z.enum(['starting', 'live', 'slate', 'reconnecting']);

export const CaptureStateSchema = z.object({
  streamId: StreamIdSchema,
  output: AgentCaptureOutputSchema,
  state: CaptureStateNameSchema,
  quality: CaptureQualitySchema,
  /** Measured from FFmpeg's progress reports. */
  fps: z.number().nonnegative(),
  bitrateKbps: z.number().nonnegative(),
  /** FFmpeg runs after the first (crashes, reconnects, device ↔ slate switches). */
  restarts: z.number().int().nonnegative(),
  inputEvents: z.number().int().nonnegative(),
  startedAt: z.iso.datetime(),
  /** WHIP only: the adaptive-quality rung in use (0 = the requested quality) of `steps`, and how many changes so far. */
  adaptive: z.object({ step: z.number().int().nonnegative(), steps: z.number().int().positive(), changes: z.number().int().nonnegative() }).optional(),
});
export type CaptureStateView = z.infer<typeof CaptureStateSchema>;

export const AgentDeviceSchema = DeviceInfoSchema.extend({
  /** Present while a capture runs, also while the device itself is gone and the slate is shown. */
  capture: CaptureStateSchema.optional(),
  /** False for a capture whose device has gone (listed so it can be watched and stopped). */
  present: z.boolean().default(true),
});
export type AgentDevice = z.infer<typeof AgentDeviceSchema>;

export const AgentDevicesSchema = z.object({
  agentId: AgentIdSchema,
  host: z.string().min(1).max(255),
  sentAt: z.iso.datetime(),
  /** How long this list stays valid without another beat (a dead agent's devices disappear after it). */
  ttlMs: z.number().int().positive(),
  devices: z.array(AgentDeviceSchema).max(1000),
});
export type AgentDevices = z.infer<typeof AgentDevicesSchema>;

export const AgentStoppedSchema = z.object({ agentId: AgentIdSchema, at: z.iso.datetime() });

export const StartCaptureRequestSchema = z
  .object({
    streamId: StreamIdSchema,
    /** The stream's publish key: a secret, never logged (redacted by field name). */
    streamKey: z.string().min(8).max(128),
    output: AgentCaptureOutputSchema,
    /**
     * Where to publish, without the key: ingest's `rtmp://host:1935/live` or `srt://host:9000`, or for `whip` the SFU's
     * WHIP endpoint of the stream, `http(s)://host:8083/whip/{streamId}` (the key goes in the Authorization header).
     */
    server: z.string().regex(/^(rtmp|srt|https?):\/\/[^\s?#]+$/, 'must be rtmp://host[:port]/app, srt://host[:port] or http(s)://host[:port]/whip/{streamId}'),
    quality: CaptureQualitySchema,
  })
  .superRefine((request, ctx) => {
    const scheme = /^([a-z]+):/.exec(request.server)?.[1] ?? '';
    const fits = request.output === 'whip' ? scheme === 'http' || scheme === 'https' : scheme === request.output;
    if (!fits)
      ctx.addIssue({
        code: 'custom',
        path: ['server'],
        message: `a ${request.output} output needs a ${request.output === 'whip' ? 'http(s)' : request.output}:// server`,
      });
  });
export type StartCaptureRequest = z.infer<typeof StartCaptureRequestSchema>;
export const StartCaptureResponseSchema = z.object({ streamId: StreamIdSchema, state: CaptureStateNameSchema, replaced: z.boolean() });

export const StopCaptureRequestSchema = z.object({});
export const StopCaptureResponseSchema = z.object({ wasCapturing: z.boolean(), streamId: StreamIdSchema.optional() });

const coordinate = z.number().int().min(0).max(16383);
const gestureMs = z.number().int().min(1).max(10_000);
/** Remote input in the device's screen pixels (the API checks them against the device's screen). */
export const DeviceInputCommandSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('tap'), x: coordinate, y: coordinate }),
  z.object({ type: z.literal('swipe'), x1: coordinate, y1: coordinate, x2: coordinate, y2: coordinate, durationMs: gestureMs.default(300) }),
  z.object({ type: z.literal('longPress'), x: coordinate, y: coordinate, durationMs: gestureMs.default(800) }),
  z.object({ type: z.literal('text'), text: z.string().min(1).max(1000) }),
  z.object({
    type: z.literal('key'),
    code: z.union([z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'must be a key name like KEYCODE_HOME or HOME'), z.number().int().min(0).max(999)]),
  }),
]);
export type DeviceInputCommand = z.infer<typeof DeviceInputCommandSchema>;
export const DeviceInputResponseSchema = z.object({ ok: z.literal(true) });

export const captureContracts = {
  agentDevices: defineEvent('capture.v1.agent.{agentId}.devices', AgentDevicesSchema),
  agentStopped: defineEvent('capture.v1.agent.{agentId}.stopped', AgentStoppedSchema),
  deviceStart: defineRequest('capture.v1.device.{deviceId}.start', StartCaptureRequestSchema, StartCaptureResponseSchema),
  deviceStop: defineRequest('capture.v1.device.{deviceId}.stop', StopCaptureRequestSchema, StopCaptureResponseSchema),
  deviceInput: defineRequest('capture.v1.device.{deviceId}.input', DeviceInputCommandSchema, DeviceInputResponseSchema),
} as const;

/** Input coordinates outside the screen, as `field: reason` pairs (empty when fine or the command has none). */
export function inputOutsideScreen(command: DeviceInputCommand, screen: { width: number; height: number }): string[] {
  const points: Array<[string, number, string, number]> =
    command.type === 'tap' || command.type === 'longPress'
      ? [['x', command.x, 'y', command.y]]
      : command.type === 'swipe'
        ? [
            ['x1', command.x1, 'y1', command.y1],
            ['x2', command.x2, 'y2', command.y2],
          ]
        : [];
  const problems: string[] = [];
  for (const [xn, x, yn, y] of points) {
    if (x >= screen.width) problems.push(`${xn}: ${x} is outside the screen width ${screen.width}`);
    if (y >= screen.height) problems.push(`${yn}: ${y} is outside the screen height ${screen.height}`);
  }
  return problems;
}
