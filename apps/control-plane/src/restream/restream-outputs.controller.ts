import { Body, Controller, Delete, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConflictResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { RestreamOutputListSchema, RestreamOutputViewSchema } from '@mediaplane/contracts';
import { AdminTokenGuard } from '../auth/admin-token.guard';
import { ApiAdminErrors, ApiBadInput, ApiUnknownId, errorRef } from '../http/api-docs.decorators';
import { schemaRef } from '../http/openapi-schemas';
import { ZodValidationPipe } from '../http/zod-validation.pipe';
import { RestreamOutputsService } from './restream-outputs.service';
import { CreateRestreamOutputRequestSchema, type CreateRestreamOutputRequest } from './restream.schemas';

const ID_PARAM = { name: 'id', description: 'Public stream id.' };

@ApiTags('restream')
@ApiBearerAuth()
@ApiAdminErrors()
@UseGuards(AdminTokenGuard)
@Controller('api/v1/streams/:id/outputs')
export class RestreamOutputsController {
  constructor(private readonly outputs: RestreamOutputsService) {}

  @Get()
  @ApiOperation({
    summary: "List a stream's restream outputs",
    description: 'Each output with its target redacted, its state (connecting, live, failed, idle, disabled), bytes sent, reconnects and last error.',
  })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ schema: schemaRef('RestreamOutputList', RestreamOutputListSchema, 'output') })
  @ApiUnknownId('stream')
  list(@Param('id') id: string): Promise<z.input<typeof RestreamOutputListSchema>> {
    return this.outputs.list(id);
  }

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Add a restream output',
    description:
      'While the stream is live a transcode worker pushes it unchanged (no re-encode) to the target: FLV over rtmp:// or rtmps://, MPEG-TS over srt://, reconnecting with backoff. ' +
      'The target URL is write-only: responses, logs and metrics only ever show it redacted. Loopback, link-local and private targets are refused unless MEDIAPLANE_RESTREAM_ALLOWLIST lists them.',
  })
  @ApiParam(ID_PARAM)
  @ApiBody({ schema: schemaRef('CreateRestreamOutputRequest', CreateRestreamOutputRequestSchema, 'input') })
  @ApiCreatedResponse({ schema: schemaRef('RestreamOutput', RestreamOutputViewSchema, 'output') })
  @ApiBadInput()
  @ApiUnknownId('stream')
  @ApiConflictResponse({ description: 'The stream has CONTROL_PLANE_RESTREAM_MAX_OUTPUTS outputs already.', schema: errorRef() })
  create(
    @Param('id') id: string,
    @Body(new ZodValidationPipe(CreateRestreamOutputRequestSchema)) body: CreateRestreamOutputRequest,
  ): Promise<z.input<typeof RestreamOutputViewSchema>> {
    return this.outputs.create(id, body);
  }

  @Delete(':outputId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a restream output', description: 'A running push to it stops within a few seconds.' })
  @ApiParam(ID_PARAM)
  @ApiParam({ name: 'outputId', description: 'Output id (out_…).' })
  @ApiNoContentResponse({ description: 'Removed.' })
  @ApiUnknownId('stream or output')
  async remove(@Param('id') id: string, @Param('outputId') outputId: string): Promise<void> {
    await this.outputs.remove(id, outputId);
  }
}
