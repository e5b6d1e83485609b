import { BadRequestException } from '@nestjs/common';
import type { RtcNegotiationError } from '../engine/rtc-engine';
import type { SfuMetrics } from '../metrics/sfu-metrics';

/** An offer the engine could not answer is the client's error: a 400 that says why. */
export function negotiationFailed(error: RtcNegotiationError, metrics: SfuMetrics, kind: string): BadRequestException {
  metrics.refusals.inc({ kind, reason: 'bad_offer' });
  return new BadRequestException(`the offer cannot be answered: ${error.message}`);
}
