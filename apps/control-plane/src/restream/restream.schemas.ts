import { z } from 'zod';
import { displayTextSchema, restreamTargetProblem } from '@mediaplane/contracts';
import { requiredOr } from '../http/describe-zod-issues';

export const CreateRestreamOutputRequestSchema = z
  .strictObject({
    url: z
      .string({ error: requiredOr('must be a string') })
      .trim()
      .superRefine((value, ctx) => {
        const problem = restreamTargetProblem(value);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .describe(
        'Push target with its key: rtmp://host/app/key, rtmps://host/app/key or srt://host:port?streamid=…. Write-only: never shown again except redacted. Loopback, link-local and private targets need MEDIAPLANE_RESTREAM_ALLOWLIST.',
      ),
    name: displayTextSchema({ max: 100, required: false }).optional().describe('Display name (default: the target host).'),
    enabled: z
      .boolean({ error: requiredOr('must be true or false') })
      .default(true)
      .describe('A disabled output is kept but not pushed to.'),
  })
  .describe('CreateRestreamOutputRequest');
export type CreateRestreamOutputRequest = z.output<typeof CreateRestreamOutputRequestSchema>;
