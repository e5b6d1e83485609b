// TEMPORARY: the agreed @mediaplane/srt API, until branch srt-native is merged; then this file re-exports it.
import type { EventEmitter } from 'node:events';
import { EventEmitter as EventEmitterClass } from 'node:events';
import type { SrtLinkStats } from '@mediaplane/contracts';

export interface SrtConnectRequest {
  streamId: string;
  remoteAddress: string;
  remotePort: number;
}
export type SrtConnectDecision = { accept: true; passphrase?: string; keyLength?: 16 | 24 | 32; latencyMs?: number } | { accept: false; rejectCode: number };
export interface SrtServerOptions {
  host: string;
  port: number;
  latencyMs: number;
  decisionTimeoutMs: number;
  maxConnections: number;
}
export interface SrtConnection extends EventEmitter {
  readonly id: string;
  readonly streamId: string;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly isClosed: boolean;
  write(chunk: Buffer): boolean;
  stats(): SrtLinkStats;
  close(): void;
}
export declare class SrtServer extends EventEmitterClass {
  static listen(options: SrtServerOptions, decide: (request: SrtConnectRequest) => Promise<SrtConnectDecision>): Promise<SrtServer>;
  readonly port: number;
  close(): Promise<void>;
}
