export * from './contract';
export * from './subject-grammar';
export * from './cluster.contracts';
export * from './stream.contracts';
export * from './registry';
export * from './transcode.contracts';
export * from './webhook.contracts';
export * from './control-plane-api.contracts';
