import { Controller, Get, UseGuards } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { NodeListSchema, clusterContracts, type NodeHeartbeat, type NodeView } from '@mediaplane/contracts';
import { AdminTokenGuard } from '../auth/admin-token.guard';
import { ApiAdminErrors } from '../http/api-docs.decorators';
import { schemaRef } from '../http/openapi-schemas';
import { NodesService } from './nodes.service';

@ApiTags('nodes')
@ApiBearerAuth()
@ApiAdminErrors()
@Controller('api/v1/nodes')
export class NodesController {
  constructor(private readonly nodes: NodesService) {}

  @Get()
  @UseGuards(AdminTokenGuard)
  @ApiOperation({
    summary: 'The cluster view',
    description: 'Every running service instance: app, id, address, health, load (from heartbeats; a silent instance expires after three missed beats).',
  })
  @ApiOkResponse({ schema: schemaRef('NodeList', NodeListSchema, 'output') })
  async list(): Promise<{ nodes: NodeView[] }> {
    return { nodes: await this.nodes.list() };
  }

  @EventPattern(clusterContracts.nodeHeartbeat.subject)
  async onNodeHeartbeat(@Payload() heartbeat: NodeHeartbeat): Promise<void> {
    await this.nodes.record(heartbeat);
  }

  @EventPattern(clusterContracts.nodeStopped.subject)
  async onNodeStopped(@Payload() stopped: { instanceId: string }): Promise<void> {
    await this.nodes.remove(stopped.instanceId);
  }
}
