import { z } from 'zod';

type SchemaObject = Record<string, unknown>;

const registered = new Map<string, { schema: z.ZodType; io: 'input' | 'output' }>();

/**
 * Registers a zod schema as an OpenAPI component and returns its `$ref`, so
 * the schema that validates a body (`io: 'input'`) or types a response
 * (`io: 'output'`) is the one the docs show: one source, no drift.
 */
export function schemaRef(name: string, schema: z.ZodType, io: 'input' | 'output'): { $ref: string } {
  const existing = registered.get(name);
  if (existing && (existing.schema !== schema || existing.io !== io)) throw new Error(`OpenAPI schema name ${name} is used for two different schemas`);
  registered.set(name, { schema, io });
  return { $ref: `#/components/schemas/${name}` };
}

/** Every registered schema as OpenAPI 3.0 JSON Schema, for `components.schemas`. */
export function openApiComponentSchemas(): Record<string, SchemaObject> {
  const out: Record<string, SchemaObject> = {};
  for (const [name, { schema, io }] of registered) {
    out[name] = z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as SchemaObject;
  }
  return out;
}
