import { Module } from '@nestjs/common';
import { PublishModule } from '../publish/publish.module';
import { StreamCommandsController } from './stream-commands.controller';

/** Commands the control plane sends about streams (kick) to the node holding them. */
@Module({
  imports: [PublishModule],
  controllers: [StreamCommandsController],
})
export class StreamsModule {}
