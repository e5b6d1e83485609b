import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { z } from 'zod';
import { APP_CONFIG } from '@mediaplane/service-kit';
import { AdminTokenGuard } from '../auth/admin-token.guard';
import type { ControlPlaneConfig } from '../control-plane.config';
import { ApiAdminErrors, ApiBadInput, ApiUnknownId, errorRef } from '../http/api-docs.decorators';
import { schemaRef } from '../http/openapi-schemas';
import { ZodValidationPipe } from '../http/zod-validation.pipe';
import {
  CreatedStreamSchema,
  KickResultSchema,
  PlaybackTokenSchema,
  RotatedKeySchema,
  StreamListSchema,
  StreamViewSchema,
  TakeoverResultSchema,
} from '@mediaplane/contracts';
import {
  CreateStreamRequestSchema,
  ListStreamsQuerySchema,
  PlaybackTokenRequestSchema,
  UpdateStreamRequestSchema,
  type CreateStreamRequest,
  type UpdateStreamRequest,
} from './stream.schemas';
import { StreamsService } from './streams.service';

const ID_PARAM = { name: 'id', description: 'Public stream id.' };
const TOKEN_REQUEST_DOC = PlaybackTokenRequestSchema(Number.MAX_SAFE_INTEGER);

@ApiTags('streams')
@ApiBearerAuth()
@ApiAdminErrors()
@UseGuards(AdminTokenGuard)
@Controller('api/v1/streams')
export class StreamsController {
  private readonly tokenRequest: ZodValidationPipe<ReturnType<typeof PlaybackTokenRequestSchema>>;

  constructor(
    private readonly streams: StreamsService,
    @Inject(APP_CONFIG) config: ControlPlaneConfig,
  ) {
    this.tokenRequest = new ZodValidationPipe(PlaybackTokenRequestSchema(config.CONTROL_PLANE_MAX_TOKEN_TTL_S), 'body', true);
  }

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Create a stream',
    description:
      'The response is the only place the stream key is ever shown (with rotate-key), and with it the SRT passphrase inside `ingest.srt`. `ingest.srt` is the FFmpeg / OBS form: streamid unencoded, `latency` in microseconds.',
  })
  @ApiBody({ schema: schemaRef('CreateStreamRequest', CreateStreamRequestSchema, 'input') })
  @ApiCreatedResponse({ description: 'The new stream with its key and URLs.', schema: schemaRef('CreatedStream', CreatedStreamSchema, 'output') })
  @ApiBadInput()
  create(@Body(new ZodValidationPipe(CreateStreamRequestSchema)) body: CreateStreamRequest): Promise<z.input<typeof CreatedStreamSchema>> {
    return this.streams.create(body);
  }

  @Get()
  @ApiOperation({ summary: 'List streams', description: 'Every stream with its live state; `?live=true` keeps the live ones only.' })
  @ApiQuery({ name: 'live', required: false, enum: ['true', 'false'], description: 'Only streams with a live publisher.' })
  @ApiOkResponse({ schema: schemaRef('StreamList', StreamListSchema, 'output') })
  @ApiBadInput()
  async list(
    @Query(new ZodValidationPipe(ListStreamsQuerySchema, 'query')) query: z.output<typeof ListStreamsQuerySchema>,
  ): Promise<z.input<typeof StreamListSchema>> {
    return { streams: await this.streams.list(query.live === true) };
  }

  @Get(':id')
  @ApiOperation({
    summary: 'One stream with its live state',
    description: 'Codecs, size, frame rate, bitrate, start time, publisher protocol, viewers per protocol, renditions.',
  })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ schema: schemaRef('Stream', StreamViewSchema, 'output') })
  @ApiUnknownId('stream')
  get(@Param('id') id: string): Promise<z.input<typeof StreamViewSchema>> {
    return this.streams.get(id);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Change the settings of a stream',
    description:
      'Today its SRT publish settings: `{srt: {passphrase?, keyLength?, latencyMs?}}`; an absent field keeps its value, `null` removes it. They apply from the next SRT publish (a live publisher keeps its connection; kick it to apply them now). The answer shows `srt.passphraseSet`, never the passphrase; the SRT URL with it comes with the key (create, rotate-key).',
  })
  @ApiParam(ID_PARAM)
  @ApiBody({ schema: schemaRef('UpdateStreamRequest', UpdateStreamRequestSchema, 'input') })
  @ApiOkResponse({ schema: schemaRef('Stream', StreamViewSchema, 'output') })
  @ApiBadInput()
  @ApiUnknownId('stream')
  @ApiConflictResponse({ description: 'The stream changed during the update; try again.', schema: errorRef() })
  update(
    @Param('id') id: string,
    @Body(new ZodValidationPipe(UpdateStreamRequestSchema)) body: UpdateStreamRequest,
  ): Promise<z.input<typeof StreamViewSchema>> {
    return this.streams.update(id, body);
  }

  @Post(':id/rotate-key')
  @HttpCode(200)
  @ApiOperation({ summary: 'Rotate the stream key', description: 'The old key stops working at once; a live publisher is disconnected.' })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ schema: schemaRef('RotatedKey', RotatedKeySchema, 'output') })
  @ApiUnknownId('stream')
  @ApiConflictResponse({ description: 'The stream changed during the rotation; try again.', schema: errorRef() })
  rotateKey(@Param('id') id: string): Promise<z.input<typeof RotatedKeySchema>> {
    return this.streams.rotateKey(id);
  }

  @Post(':id/kick')
  @HttpCode(202)
  @ApiOperation({ summary: 'Disconnect the current publisher', description: 'Broadcast to the ingest nodes; the one holding the stream drops the publisher.' })
  @ApiParam(ID_PARAM)
  @ApiAcceptedResponse({ schema: schemaRef('KickResult', KickResultSchema, 'output') })
  @ApiUnknownId('stream')
  kick(@Param('id') id: string): Promise<z.input<typeof KickResultSchema>> {
    return this.streams.kick(id);
  }

  @Post(':id/takeover')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Let the next publisher with the key replace the live one',
    description:
      'Without it a second publisher is refused while the first is live. The next publish authorized with the key (within CONTROL_PLANE_TAKEOVER_WINDOW_MS) ends the live session, whatever its protocol or node, and takes its place.',
  })
  @ApiParam(ID_PARAM)
  @ApiAcceptedResponse({ schema: schemaRef('TakeoverResult', TakeoverResultSchema, 'output') })
  @ApiUnknownId('stream')
  takeover(@Param('id') id: string): Promise<z.input<typeof TakeoverResultSchema>> {
    return this.streams.takeover(id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a stream', description: 'Its key stops working and a live publisher is disconnected.' })
  @ApiParam(ID_PARAM)
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiUnknownId('stream')
  async remove(@Param('id') id: string): Promise<void> {
    await this.streams.remove(id);
  }

  @Post(':id/playback-tokens')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Issue a playback token',
    description: 'HMAC-signed, bound to this stream and an expiry; every playback service verifies it without calling back.',
  })
  @ApiParam(ID_PARAM)
  @ApiBody({ required: false, schema: schemaRef('PlaybackTokenRequest', TOKEN_REQUEST_DOC, 'input') })
  @ApiCreatedResponse({ schema: schemaRef('PlaybackToken', PlaybackTokenSchema, 'output') })
  @ApiBadInput()
  @ApiUnknownId('stream')
  async issuePlaybackToken(@Param('id') id: string, @Body() body: unknown): Promise<z.input<typeof PlaybackTokenSchema>> {
    const { ttlSeconds } = this.tokenRequest.transform(body);
    return this.streams.issuePlaybackToken(id, ttlSeconds);
  }
}
