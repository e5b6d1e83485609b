import { Body, Controller, Delete, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { AdminTokenGuard } from '../auth/admin-token.guard';
import { ApiAdminErrors, ApiBadInput, ApiUnknownId } from '../http/api-docs.decorators';
import { schemaRef } from '../http/openapi-schemas';
import { ZodValidationPipe } from '../http/zod-validation.pipe';
import {
  CreateWebhookRequestSchema,
  CreatedWebhookSchema,
  DeliveryListSchema,
  WebhookListSchema,
  WebhookViewSchema,
  type CreateWebhookRequest,
} from './webhook.schemas';
import { WebhooksService } from './webhooks.service';

const ID_PARAM = { name: 'id', description: 'Webhook id (wh_…).' };

@ApiTags('webhooks')
@ApiBearerAuth()
@ApiAdminErrors()
@UseGuards(AdminTokenGuard)
@Controller('api/v1/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Register a webhook',
    description:
      'Deliveries are JSON `{id, type, occurredAt, data}` POSTs signed with `Mediaplane-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, ' +
      'carrying `Mediaplane-Event-Id` (idempotency id, stable across retries) and retried with exponential backoff. ' +
      'Loopback, link-local and private targets are refused unless MEDIAPLANE_WEBHOOK_ALLOWLIST lists them.',
  })
  @ApiBody({ schema: schemaRef('CreateWebhookRequest', CreateWebhookRequestSchema, 'input') })
  @ApiCreatedResponse({
    description: 'The webhook and its signing secret (shown only here).',
    schema: schemaRef('CreatedWebhook', CreatedWebhookSchema, 'output'),
  })
  @ApiBadInput()
  create(@Body(new ZodValidationPipe(CreateWebhookRequestSchema)) body: CreateWebhookRequest): Promise<z.input<typeof CreatedWebhookSchema>> {
    return this.webhooks.create(body);
  }

  @Get()
  @ApiOperation({ summary: 'List webhooks with their delivery figures' })
  @ApiOkResponse({ schema: schemaRef('WebhookList', WebhookListSchema, 'output') })
  async list(): Promise<z.input<typeof WebhookListSchema>> {
    return { webhooks: await this.webhooks.list() };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One webhook' })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ schema: schemaRef('Webhook', WebhookViewSchema, 'output') })
  @ApiUnknownId('webhook')
  get(@Param('id') id: string): Promise<z.input<typeof WebhookViewSchema>> {
    return this.webhooks.get(id);
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: 'The latest delivery attempts and failures of a webhook' })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ schema: schemaRef('DeliveryList', DeliveryListSchema, 'output') })
  @ApiUnknownId('webhook')
  deliveries(@Param('id') id: string): Promise<z.input<typeof DeliveryListSchema>> {
    return this.webhooks.deliveries(id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a webhook', description: 'Queued deliveries to it are dropped.' })
  @ApiParam(ID_PARAM)
  @ApiNoContentResponse({ description: 'Removed.' })
  @ApiUnknownId('webhook')
  async remove(@Param('id') id: string): Promise<void> {
    await this.webhooks.remove(id);
  }
}
