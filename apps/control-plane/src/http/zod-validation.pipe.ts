import { BadRequestException, type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { describeZodIssues } from './describe-zod-issues';

/**
 * Validates a body, query or parameter with a zod schema at the HTTP edge:
 * a 400 whose message names each wrong field and says why, the parsed
 * (defaulted, trimmed) value otherwise.
 */
export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(
    private readonly schema: S,
    /** How the value is named when the whole of it is wrong ("body", "query"). */
    private readonly rootName = 'body',
    /** Treat a missing body as `{}` (routes whose every field has a default). */
    private readonly optional = false,
  ) {}

  transform(value: unknown): z.output<S> {
    const result = this.schema.safeParse(value === undefined && this.optional ? {} : value);
    if (!result.success) throw new BadRequestException(describeZodIssues(result.error, this.rootName));
    return result.data;
  }
}
