import { z } from 'zod';
import { ConfigError } from './config-error';

export type Env = Record<string, string | undefined>;

/**
 * Validates the environment against a zod object whose keys are variable
 * names. Empty strings count as unset so `FOO=` falls back to the default.
 */
export function loadConfig<S extends z.ZodObject>(schema: S, env: Env = process.env): z.infer<S> {
  const input: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? '(environment)'), message: issue.message })),
    );
  }
  return result.data;
}

/** Rows for the README's variable table, from the schema's `.describe()` texts. */
export function describeConfig(schema: z.ZodObject): Array<{ variable: string; default: string; description: string }> {
  return Object.entries(schema.shape).map(([variable, field]) => {
    const type = field as z.ZodType;
    const parsed = type.safeParse(undefined);
    const def = parsed.success && parsed.data !== undefined ? String(parsed.data) : '';
    return { variable, default: def, description: type.description ?? '' };
  });
}
