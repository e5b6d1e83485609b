export * from './node-registry';
export * from './stream-credentials';
export * from './playback-token';
export * from './live-stream-store';
export * from './hls-viewer-store';
export * from './redis-keys';
