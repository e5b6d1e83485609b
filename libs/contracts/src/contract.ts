import type { z } from 'zod';

/**
 * A subject template is a NATS subject whose `{name}` tokens are filled with
 * ids at send time (`ingest.v1.stream.{streamId}.started`). Ids are whole
 * tokens so consumers can subscribe with `*` wildcards.
 */
export type SubjectTemplate = string;

/** Fire-and-forget (core NATS) or must-deliver (JetStream) signal. */
export interface EventContract<S extends z.ZodType = z.ZodType> {
  readonly kind: 'event';
  readonly subject: SubjectTemplate;
  readonly schema: S;
  /** Must-deliver events go through JetStream, deduplicated by `Nats-Msg-Id`. */
  readonly durable: boolean;
  /** Delivered to every instance of the consuming app (no queue group), e.g. commands only the holder of a stream acts on. */
  readonly broadcast: boolean;
}

/** Request/reply over core NATS, answered by one member of a queue group. */
export interface RequestContract<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  readonly kind: 'request';
  readonly subject: SubjectTemplate;
  readonly request: Req;
  readonly response: Res;
}

export type Contract = EventContract | RequestContract;

export function defineEvent<S extends z.ZodType>(
  subject: SubjectTemplate,
  schema: S,
  options: { durable?: boolean; broadcast?: boolean } = {},
): EventContract<S> {
  return { kind: 'event', subject, schema, durable: options.durable ?? false, broadcast: options.broadcast ?? false };
}

export function defineRequest<Req extends z.ZodType, Res extends z.ZodType>(subject: SubjectTemplate, request: Req, response: Res): RequestContract<Req, Res> {
  return { kind: 'request', subject, request, response };
}

const TOKEN = /\{([a-zA-Z]+)\}/g;

/** Names of the `{id}` tokens a template needs, in order. */
export function subjectParams(template: SubjectTemplate): string[] {
  return [...template.matchAll(TOKEN)].map((m) => m[1] as string);
}

/** Fills a template; each value must be a single, wildcard-free token. */
export function fillSubject(template: SubjectTemplate, params: Record<string, string> = {}): string {
  return template.replace(TOKEN, (_all, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`subject ${template} needs a value for {${name}}`);
    if (!/^[A-Za-z0-9_-]+$/.test(value)) throw new Error(`subject token {${name}} must be [A-Za-z0-9_-]+, got ${JSON.stringify(value)}`);
    return value;
  });
}

/** The subscription pattern for a template: every `{id}` becomes `*`. */
export function subjectPattern(template: SubjectTemplate): string {
  return template.replace(TOKEN, '*');
}

/** True when a concrete subject matches a pattern with `*` / `>` wildcards. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}

/** Reads the `{id}` values back out of a concrete subject. */
export function parseSubject(template: SubjectTemplate, subject: string): Record<string, string> | undefined {
  const t = template.split('.');
  const s = subject.split('.');
  if (t.length !== s.length) return undefined;
  const out: Record<string, string> = {};
  for (let i = 0; i < t.length; i++) {
    const tok = t[i] as string;
    const m = /^\{([a-zA-Z]+)\}$/.exec(tok);
    if (m) out[m[1] as string] = s[i] as string;
    else if (tok !== s[i]) return undefined;
  }
  return out;
}
