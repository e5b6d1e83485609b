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
    throw new ConfigError(result.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? '(environment)'), message: issue.message })));
  }
  return result.data;
}

/** Rows for the README's variable table, from the schema's `.describe()` texts. */
export function describeConfig(schema: z.ZodObject): Array<{ variable: string; default: string; description: string }> {
  return Object.entries(schema.shape).map(([variable, field]) => {
    const type = field as z.ZodType;
    const def = declaredDefault(type);
    return { variable, default: def === undefined ? '' : String(def), description: type.description ?? '' };
  });
}

interface ZodDefInternals {
  type: string;
  defaultValue?: unknown;
  in?: z.ZodType;
  innerType?: z.ZodType;
}

/**
 * The default as written in the schema, before any transform runs, so the
 * table does not show values resolved against this machine (paths, cwd).
 */
function declaredDefault(type: z.ZodType, depth = 0): unknown {
  const def = (type as unknown as { _zod: { def: ZodDefInternals } })._zod.def;
  if (depth > 8) return undefined;
  if (def.type === 'default') return typeof def.defaultValue === 'function' ? (def.defaultValue as () => unknown)() : def.defaultValue;
  if (def.type === 'pipe' && def.in) return declaredDefault(def.in, depth + 1);
  if (def.innerType) return declaredDefault(def.innerType, depth + 1);
  return undefined;
}
