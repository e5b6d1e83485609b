import type { Contract } from './contract';
import { captureContracts } from './capture.contracts';
import { clusterContracts } from './cluster.contracts';
import { streamContracts } from './stream.contracts';
import { transcodeContracts } from './transcode.contracts';
import { webhookContracts } from './webhook.contracts';
import { restreamContracts } from './restream.contracts';

/**
 * Every contract of the platform, so transports can validate by subject and
 * JetStream knows which subjects are durable. Add new contract groups here.
 */
export const allContracts: readonly Contract[] = [
  ...Object.values(clusterContracts),
  ...Object.values(streamContracts),
  ...Object.values(transcodeContracts),
  ...Object.values(webhookContracts),
  ...Object.values(restreamContracts),
  ...Object.values(captureContracts),
];
