import { z } from 'zod';

/** Every error the API returns (the service kit's JSON exception filter writes it). */
export const ErrorResponseSchema = z
  .object({
    statusCode: z.number().int().describe('The HTTP status code again.'),
    error: z.string().describe('The status text, e.g. "Bad Request".'),
    message: z.union([z.string(), z.array(z.string())]).describe('What was wrong; for a 400, which field and why.'),
  })
  .describe('Error');
