import { Injectable } from '@nestjs/common';
import type { NodeHeartbeat, NodeView } from '@mediaplane/contracts';
import { NodeRegistry } from '@mediaplane/sessions';

@Injectable()
export class NodesService {
  constructor(readonly registry: NodeRegistry) {}

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
