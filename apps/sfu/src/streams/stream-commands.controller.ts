import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { streamContracts, type StreamCommand } from '@mediaplane/contracts';
import { WebrtcStreamsService } from './webrtc-streams.service';

/** Kicks from the API are broadcast to every node; the SFU holding a WHIP stream ends it. */
@Controller()
export class StreamCommandsController {
  constructor(private readonly streams: WebrtcStreamsService) {}

  @EventPattern(streamContracts.streamKick.subject)
  async onStreamKick(@Payload() command: StreamCommand): Promise<void> {
    await this.streams.kick(command.streamId, command.reason, command.sessionId);
  }
}
