import { z } from 'zod';
import { describeZodIssues, requiredOr } from './describe-zod-issues';

describe('describeZodIssues', () => {
  const schema = z.strictObject({
    name: z.string({ error: requiredOr('must be a string') }).min(1, 'must not be empty'),
    nested: z.object({ list: z.array(z.number().int()) }).optional(),
  });
  const describe400 = (value: unknown) => {
    const result = schema.safeParse(value);
    if (result.success) throw new Error('expected a failure');
    return describeZodIssues(result.error);
  };

  it('names a missing field as required and a wrong one by its message', () => {
    expect(describe400({})).toBe('name: is required');
    expect(describe400({ name: 3 })).toBe('name: must be a string');
    expect(describe400({ name: '' })).toBe('name: must not be empty');
  });

  it('names nested fields by their path', () => {
    expect(describe400({ name: 'a', nested: { list: [1, 1.5] } })).toMatch(/^nested\.list\.1: /);
  });

  it('names each unknown field', () => {
    expect(describe400({ name: 'a', extra: 1, more: 2 })).toBe('extra: is not a known field; more: is not a known field');
  });

  it('says when the body itself is not an object', () => {
    expect(describe400('text')).toBe('body: must be a JSON object');
  });
});
