import { z } from 'zod';

/** A TCP/UDP port from the environment. */
export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
/** A positive duration in milliseconds. */
export const millis = (fallback: number) => z.coerce.number().int().positive().default(fallback);
/** A positive count. */
export const count = (fallback: number) => z.coerce.number().int().positive().default(fallback);
/** A yes/no flag: true/false/1/0/yes/no. */
export const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .transform((v) => v === 'true' || v === '1' || v === 'yes')
    .default(fallback);
/** A comma-separated list. */
export const list = () =>
  z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .default([]);
