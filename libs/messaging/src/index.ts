export * from './bus';
export * from './bus-errors';
export * from './bus-transport.strategy';
export * from './jetstream-setup';
export * from './validate-payload';
export * from './nats-headers-carrier';
export * from './kv-bucket';
export * from './work-message';
export { route, type WorkHandler, type WorkQueue, type WorkQueueOptions, type WorkRoute } from './work-queue';
