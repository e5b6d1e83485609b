import { Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import { firstValueFrom, isObservable } from 'rxjs';
import { allContracts, type Contract } from '@mediaplane/contracts';
import type { Bus } from './bus';

/**
 * Nest microservice transport over our Bus, so apps are hybrid (HTTP + NATS)
 * and write `@MessagePattern(contract.subject)` / `@EventPattern(...)`
 * handlers. Patterns are contract subject templates: the transport looks the
 * contract up, subscribes with the namespace and queue group, and validates
 * requests, responses and events against the contract's schemas.
 */
export class BusTransportStrategy extends Server implements CustomTransportStrategy {
  private readonly contracts = new Map<string, Contract>(allContracts.map((c) => [c.subject, c]));

  constructor(private readonly bus: Bus) {
    super();
  }

  listen(callback: () => void): void {
    for (const [pattern, handler] of this.messageHandlers) {
      const contract = this.contracts.get(pattern);
      if (!contract) throw new Error(`no contract is defined for the handler pattern ${pattern}`);
      this.bind(contract, handler);
    }
    callback();
  }

  private bind(contract: Contract, handler: MessageHandler): void {
    if (contract.kind === 'event') {
      if (!handler.isEventHandler) throw new Error(`${contract.subject} is an event: use @EventPattern`);
      this.bus.subscribe(contract, async (payload, delivery) => {
        await this.resolve(handler(payload, delivery));
      });
      return;
    }
    if (handler.isEventHandler) throw new Error(`${contract.subject} is a request: use @MessagePattern`);
    this.bus.respond(contract, async (payload, delivery) => this.resolve(handler(payload, delivery)) as never);
  }

  private async resolve(value: unknown): Promise<unknown> {
    const awaited = await value;
    return isObservable(awaited) ? firstValueFrom(awaited) : awaited;
  }

  on(): void {
    // The Bus logs connection events itself.
  }

  unwrap<T>(): T {
    return this.bus as T;
  }

  close(): void {
    // The Bus is owned (and drained) by the service kit, after HTTP has closed.
  }
}
