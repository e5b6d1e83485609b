import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { streamContracts } from '@mediaplane/contracts';
import type { z } from 'zod';
import { PublishSessionsService } from '../publish/publish-sessions.service';

type StreamCommand = z.infer<typeof streamContracts.streamKick.schema>;

/** Commands from the API, broadcast to every ingest node; the node holding the stream acts. */
@Controller()
export class StreamCommandsController {
  constructor(private readonly sessions: PublishSessionsService) {}

  @EventPattern(streamContracts.streamKick.subject)
  async onStreamKick(@Payload() command: StreamCommand): Promise<void> {
    await this.sessions.kick(command.streamId, command.reason);
  }
}
