import type { z } from 'zod';
import { ContractViolationError } from './bus-errors';

export function formatIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
}

export function validatePayload<S extends z.ZodType>(schema: S, subject: string, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ContractViolationError(subject, formatIssues(result.error));
  return result.data;
}

export function decodeJson(subject: string, data: Uint8Array): unknown {
  if (data.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
  } catch {
    throw new ContractViolationError(subject, 'body is not JSON');
  }
}

export function encodeJson(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value), 'utf8');
}
