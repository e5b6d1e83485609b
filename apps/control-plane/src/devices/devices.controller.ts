import { Body, Controller, Delete, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import {
  DeviceInputCommandSchema,
  DeviceListSchema,
  StartedCaptureSchema,
  StoppedCaptureSchema,
  captureContracts,
  type AgentDevices,
  type DeviceInputCommand,
  type DeviceList,
  type StartedCapture,
  type StoppedCapture,
} from '@mediaplane/contracts';
import { z } from 'zod';
import { AdminTokenGuard } from '../auth/admin-token.guard';
import { ApiAdminErrors, ApiBadInput, ApiUnknownId, errorRef } from '../http/api-docs.decorators';
import { schemaRef } from '../http/openapi-schemas';
import { ZodValidationPipe } from '../http/zod-validation.pipe';
import { StartCaptureApiRequestSchema, type StartCaptureApiRequest } from './device.schemas';
import { DevicesService } from './devices.service';

const ID_PARAM = { name: 'id', description: 'Device id (as listed by `GET /devices`).' };
const DeviceIdParam = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a device id: 1-64 of A-Z a-z 0-9 _ -');
const NoAnswer = () => ApiServiceUnavailableResponse({ description: "The device's capture agent did not answer.", schema: errorRef() });

@ApiTags('devices')
@ApiBearerAuth()
@ApiAdminErrors()
@Controller('api/v1/devices')
export class DevicesController {
  constructor(private readonly devices: DevicesService) {}

  @Get()
  @UseGuards(AdminTokenGuard)
  @ApiOperation({
    summary: "Every capture agent's devices",
    description: 'Kind, name, model, screen, agent and the capture state of each device (an agent that stops announcing is forgotten after its TTL).',
  })
  @ApiOkResponse({ schema: schemaRef('DeviceList', DeviceListSchema, 'output') })
  async list(): Promise<DeviceList> {
    return { devices: await this.devices.list() };
  }

  @Post(':id/capture')
  @HttpCode(201)
  @UseGuards(AdminTokenGuard)
  @ApiOperation({
    summary: 'Start capturing a device',
    description:
      'The device publishes to its own stream (created on its first capture, reused after with a fresh key). A running capture of the device is replaced. With `output: whip` the agent publishes to the SFU over WebRTC and the stream plays over WHEP.',
  })
  @ApiParam(ID_PARAM)
  @ApiBody({ schema: schemaRef('StartCaptureRequest', StartCaptureApiRequestSchema, 'input') })
  @ApiCreatedResponse({ schema: schemaRef('StartedCapture', StartedCaptureSchema, 'output') })
  @ApiBadInput()
  @ApiUnknownId('device')
  @ApiConflictResponse({ description: 'The device has gone.', schema: errorRef() })
  @NoAnswer()
  start(
    @Param('id', new ZodValidationPipe(DeviceIdParam, 'param')) id: string,
    @Body(new ZodValidationPipe(StartCaptureApiRequestSchema, 'body', true)) body: StartCaptureApiRequest,
  ): Promise<StartedCapture> {
    return this.devices.startCapture(id, body);
  }

  @Delete(':id/capture')
  @UseGuards(AdminTokenGuard)
  @ApiOperation({ summary: 'Stop capturing a device', description: 'Its stream ends; the stream itself is kept for the next capture.' })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ schema: schemaRef('StoppedCapture', StoppedCaptureSchema, 'output') })
  @ApiUnknownId('device')
  @NoAnswer()
  stop(@Param('id', new ZodValidationPipe(DeviceIdParam, 'param')) id: string): Promise<StoppedCapture> {
    return this.devices.stopCapture(id);
  }

  @Post(':id/input')
  @HttpCode(200)
  @UseGuards(AdminTokenGuard)
  @ApiOperation({
    summary: 'Remote input',
    description: "Tap, swipe, long press, text or key, in the device's screen pixels (checked against its screen). Rate-limited per device by its agent.",
  })
  @ApiParam(ID_PARAM)
  @ApiBody({ schema: schemaRef('DeviceInputCommand', DeviceInputCommandSchema, 'input') })
  @ApiOkResponse({ description: 'Delivered to the device.' })
  @ApiBadInput()
  @ApiUnknownId('device')
  @ApiConflictResponse({ description: 'The device takes no remote input.', schema: errorRef() })
  @ApiTooManyRequestsResponse({ description: 'Too many input events for this device.', schema: errorRef() })
  @NoAnswer()
  input(
    @Param('id', new ZodValidationPipe(DeviceIdParam, 'param')) id: string,
    @Body(new ZodValidationPipe(DeviceInputCommandSchema)) body: DeviceInputCommand,
  ): Promise<{ ok: true }> {
    return this.devices.input(id, body);
  }

  @EventPattern(captureContracts.agentDevices.subject)
  async onAgentDevices(@Payload() announcement: AgentDevices): Promise<void> {
    await this.devices.record(announcement);
  }

  @EventPattern(captureContracts.agentStopped.subject)
  async onAgentStopped(@Payload() stopped: { agentId: string }): Promise<void> {
    await this.devices.forgetAgent(stopped.agentId);
  }
}
