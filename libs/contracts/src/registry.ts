import type { Contract } from './contract';
import { clusterContracts } from './cluster.contracts';
import { streamContracts } from './stream.contracts';

/** Every contract of the platform, so transports can validate by subject. */
export const allContracts: readonly Contract[] = [...Object.values(clusterContracts), ...Object.values(streamContracts)];
