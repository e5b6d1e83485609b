import type { z } from 'zod';

/** "name: is required; ladder.rungs.0.height: must be >= 90": one clause per wrong field, field first. */
export function describeZodIssues(error: z.ZodError, rootName = 'body'): string {
  return error.issues.map((issue) => describeIssue(issue, rootName)).join('; ');
}

function describeIssue(issue: z.core.$ZodIssue, rootName: string): string {
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const prefix = path ? `${path}.` : '';
    return issue.keys.map((k) => `${prefix}${k}: is not a known field`).join('; ');
  }
  const field = path || rootName;
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) return `${field}: is required`;
  if (issue.code === 'invalid_type' && !path) return `${field}: must be a JSON ${issue.expected}`;
  return `${field}: ${issue.message}`;
}

/** A zod `error` option: "is required" when the value is missing, `message` when it has the wrong type. */
export function requiredOr(message: string): (issue: { input?: unknown }) => string {
  return (issue) => (issue.input === undefined ? 'is required' : message);
}
