import { z } from 'zod';
import { flag, millis, port } from '@mediaplane/config';

/** The Android source's variables, spread into the capture agent's config schema. */
export const androidConfigShape = {
  /** Discover Android devices through an adb server. */
  CAPTURE_AGENT_ANDROID: flag(true).describe('Discover Android devices through the adb server (devices, hot-plug, capture, input).'),
  /** Address of the adb server (the one `adb start-server` runs; 127.0.0.1:5037 by default). */
  CAPTURE_AGENT_ADB_HOST: z.string().min(1).default('127.0.0.1').describe('Host of the adb server the agent talks to.'),
  /** Port of the adb server. */
  CAPTURE_AGENT_ADB_PORT: port(5037).describe('Port of the adb server (adb\'s own default is 5037).'),
  /** Whether the agent may start an adb server itself when none answers. */
  CAPTURE_AGENT_ADB_START_SERVER: flag(false).describe(
    'Start an adb server (`CAPTURE_AGENT_ADB_PATH -P PORT start-server`) when none answers; off: the agent waits and reconnects with backoff.',
  ),
  /** adb binary used only to start a server (CAPTURE_AGENT_ADB_START_SERVER). */
  CAPTURE_AGENT_ADB_PATH: z.string().min(1).default('adb').describe('adb binary used to start the server when CAPTURE_AGENT_ADB_START_SERVER is on.'),
  /** Time one short adb command (getprop, wm size, input) may take. */
  CAPTURE_AGENT_ADB_COMMAND_TIMEOUT_MS: millis(10_000).describe('Time one short adb command (getprop, wm size, input, screencap) may take.'),
  /** First delay before reconnecting to a lost adb server. */
  CAPTURE_AGENT_ADB_RECONNECT_INITIAL_MS: millis(500).describe('First delay before reconnecting to a lost adb server; doubles per failure with jitter.'),
  /** Cap of the adb reconnect delay. */
  CAPTURE_AGENT_ADB_RECONNECT_MAX_MS: millis(5000).describe('Cap of the adb server reconnect delay.'),
  /** screenrecord's --time-limit; the next run is started before it ends. */
  CAPTURE_AGENT_SCREENRECORD_TIME_LIMIT_S: z.coerce
    .number()
    .int()
    .min(1)
    .max(180)
    .default(180)
    .describe('screenrecord `--time-limit` in seconds (180 is the most many Android versions allow); the capture continues in a new run.'),
  /** Overlap of two screenrecord runs at a restart. */
  CAPTURE_AGENT_SCREENRECORD_OVERLAP_MS: millis(2000).describe(
    'The next screenrecord run starts this long before the current one reaches its time limit, so the hand-over has no gap.',
  ),
  /** Polling interval of the screencap fallback. */
  CAPTURE_AGENT_SCREENCAP_INTERVAL_MS: millis(500).describe('Interval of `screencap` pictures where screenrecord is missing (the slow fallback).'),
  /** scrcpy-server jar supplied by the operator. */
  CAPTURE_AGENT_SCRCPY_JAR: z
    .string()
    .min(1)
    .optional()
    .describe(
      'scrcpy-server 3.3.1 jar (the version this agent speaks): when set, Android 5.0+ devices are captured with it (keyframe on demand, no time limit) instead of screenrecord; a device where it does not start falls back to screenrecord.',
    ),
  /** SHA-256 the jar must have. */
  CAPTURE_AGENT_SCRCPY_JAR_SHA256: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'a SHA-256 in hex (64 digits)')
    .optional()
    .describe('SHA-256 of the scrcpy-server jar as released; the agent refuses to start with a jar that differs. Unset: only the server checks its version at each start.'),
  /** Time scrcpy-server has to start listening. */
  CAPTURE_AGENT_SCRCPY_START_TIMEOUT_MS: millis(10_000).describe('Time a scrcpy-server run has to start and answer on its socket before the capture falls back or retries.'),
};

export const androidConfigSchema = z.object(androidConfigShape);
export type AndroidConfig = z.infer<typeof androidConfigSchema>;
