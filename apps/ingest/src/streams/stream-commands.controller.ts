import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { streamContracts, type StreamCommand } from '@mediaplane/contracts';
import { PublishSessionsService } from '../publish/publish-sessions.service';

/** Commands from the API, broadcast to every ingest node; the node holding the stream acts. */
@Controller()
export class StreamCommandsController {
  constructor(private readonly sessions: PublishSessionsService) {}

  @EventPattern(streamContracts.streamKick.subject)
  async onStreamKick(@Payload() command: StreamCommand): Promise<void> {
    await this.sessions.kick(command.streamId, command.reason, command.sessionId);
  }
}
