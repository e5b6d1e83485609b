import { cpus, loadavg } from 'node:os';
import type { SourceSpec } from './bench-source';

/** The machine a report was measured on: figures from a loaded 2-core VM read differently. */
export interface BenchMachine {
  cpus: number;
  cpuModel: string;
  loadavgAtStart: number[];
  node: string;
}

export function describeMachine(): BenchMachine {
  return { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', loadavgAtStart: loadavg(), node: process.versions.node };
}

export interface BenchSourceInfo {
  file: string;
  width: number;
  height: number;
  fps: number;
  bitrateKbps: number;
  gopSeconds: number;
}

/** What was published: the spec it was encoded to and what the file measured. */
export function describeSource(file: string, spec: SourceSpec, measured: { fps: number; bitrateKbps: number }): BenchSourceInfo {
  return { file, width: spec.width, height: spec.height, fps: measured.fps, bitrateKbps: Math.round(measured.bitrateKbps), gopSeconds: spec.gopSeconds };
}
