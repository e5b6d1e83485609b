export * from './redact';
export * from './logger';
export * from './metrics-registry';
export * from './tracing';
export * from './redacting-span-processor';
