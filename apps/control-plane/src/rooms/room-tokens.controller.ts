import { BadRequestException, Body, Controller, HttpCode, Inject, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiCreatedResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { RoomIdSchema, RoomTokenRequestSchema } from '@mediaplane/contracts';
import { APP_CONFIG } from '@mediaplane/service-kit';
import { signRoomToken } from '@mediaplane/sessions';
import { AdminTokenGuard } from '../auth/admin-token.guard';
import type { ControlPlaneConfig } from '../control-plane.config';
import { ApiAdminErrors, ApiBadInput } from '../http/api-docs.decorators';
import { schemaRef } from '../http/openapi-schemas';
import { ZodValidationPipe } from '../http/zod-validation.pipe';

export const RoomTokenSchema = z
  .object({
    token: z.string().describe('Pass as `?token=` when opening the room WebSocket.'),
    expiresAt: z.iso.datetime(),
    url: z.string().describe('The room WebSocket URL with the token appended.'),
  })
  .describe('RoomToken');

const RoomTokenRequestDoc = RoomTokenRequestSchema.describe('RoomTokenRequest');

/** Room tokens for the SFU's rooms: signed here, checked by any SFU without calling back. */
@ApiTags('rooms')
@ApiBearerAuth()
@ApiAdminErrors()
@UseGuards(AdminTokenGuard)
@Controller('api/v1/rooms')
export class RoomTokensController {
  private readonly roomsUrl: string;

  constructor(@Inject(APP_CONFIG) private readonly config: ControlPlaneConfig) {
    this.roomsUrl = config.MEDIAPLANE_PUBLIC_ROOMS_URL ?? `ws://${config.MEDIAPLANE_PUBLIC_HOST}:8083/rooms`;
  }

  @Post(':roomId/tokens')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Issue a room token',
    description: 'For one participant identity with publish/subscribe/control grants and an expiry. Rooms exist while somebody is in them.',
  })
  @ApiParam({ name: 'roomId', description: 'Room id: 1-64 of A-Z a-z 0-9 _ -.' })
  @ApiBody({ schema: schemaRef('RoomTokenRequest', RoomTokenRequestDoc, 'input') })
  @ApiCreatedResponse({ schema: schemaRef('RoomToken', RoomTokenSchema, 'output') })
  @ApiBadInput()
  issue(
    @Param('roomId') roomId: string,
    @Body(new ZodValidationPipe(RoomTokenRequestSchema)) body: z.output<typeof RoomTokenRequestSchema>,
  ): z.input<typeof RoomTokenSchema> {
    if (!RoomIdSchema.safeParse(roomId).success) throw new BadRequestException('roomId: must be 1-64 of A-Z a-z 0-9 _ -');
    const ttlSeconds = Math.min(body.ttlSeconds, this.config.CONTROL_PLANE_MAX_TOKEN_TTL_S);
    const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
    const token = signRoomToken(this.config.MEDIAPLANE_PLAYBACK_SECRET, { roomId, identity: body.identity, grants: body.grants, expiresAt });
    return { token, expiresAt: expiresAt.toISOString(), url: `${this.roomsUrl}/${roomId}?token=${encodeURIComponent(token)}` };
  }
}
