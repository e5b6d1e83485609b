import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { NodeHeartbeat } from '@mediaplane/contracts';
import { NodeRegistry } from '@mediaplane/sessions';
import { REDIS, SERVICE_CONTEXT, type ServiceContext } from '@mediaplane/service-kit';

@Injectable()
export class NodesService {
  readonly registry: NodeRegistry;

  constructor(@Inject(REDIS) redis: Redis, @Inject(SERVICE_CONTEXT) ctx: ServiceContext) {
    this.registry = new NodeRegistry(redis, ctx.config.MEDIAPLANE_NAMESPACE);
  }

  record(heartbeat: NodeHeartbeat): Promise<void> {
    return this.registry.record(heartbeat);
  }

  remove(instanceId: string): Promise<void> {
    return this.registry.remove(instanceId);
  }

  async list(): Promise<NodeView[]> {
    return (await this.registry.list()).map((n) => ({
      app: n.app,
      id: n.instanceId,
      version: n.version,
      address: n.host,
      ports: n.ports,
      health: n.ready ? 'ready' : 'not-ready',
      load: n.load,
      facts: n.facts,
      startedAt: n.startedAt,
      lastSeenAt: n.receivedAt,
    }));
  }
}

export interface NodeView {
  app: string;
  id: string;
  version: string;
  address: string;
  ports: Record<string, number>;
  health: 'ready' | 'not-ready';
  load: NodeHeartbeat['load'];
  facts: Record<string, string>;
  startedAt: string;
  lastSeenAt: string;
}
