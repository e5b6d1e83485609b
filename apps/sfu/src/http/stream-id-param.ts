import { BadRequestException } from '@nestjs/common';
import { StreamIdSchema } from '@mediaplane/contracts';

/** A stream id from a URL path, or a 400 that says what an id looks like. */
export function parseStreamId(raw: string): string {
  const parsed = StreamIdSchema.safeParse(raw);
  if (!parsed.success) throw new BadRequestException('streamId must be 1-64 of A-Z a-z 0-9 _ -');
  return parsed.data;
}
