export * from './bus';
export * from './bus-errors';
export * from './bus-transport.strategy';
export * from './jetstream-setup';
export * from './validate-payload';
export * from './nats-headers-carrier';
