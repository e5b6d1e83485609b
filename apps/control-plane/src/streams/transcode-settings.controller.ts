import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ApiExcludeController } from '@nestjs/swagger';
import type { z } from 'zod';
import { transcodeContracts, type TranscodeSettingsResponse } from '@mediaplane/contracts';
import { StreamStore } from './stream-store.service';

type SettingsRequest = z.output<typeof transcodeContracts.getSettings.request>;

/**
 * Tells a transcode worker what the stream definition says (privacy,
 * recording, ladder) when it claims a job; the started event carries only
 * what ingest learned from the bitstream.
 */
@ApiExcludeController()
@Controller()
export class TranscodeSettingsController {
  constructor(private readonly store: StreamStore) {}

  @MessagePattern(transcodeContracts.getSettings.subject)
  async settings(@Payload() request: SettingsRequest): Promise<TranscodeSettingsResponse> {
    const stored = await this.store.get(request.streamId);
    if (!stored) return { found: false };
    const { definition } = stored;
    return { found: true, private: definition.private, record: definition.record, ladder: definition.ladder };
  }
}
