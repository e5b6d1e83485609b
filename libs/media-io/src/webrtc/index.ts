export * from './werift-dtls-patch';
export * from './whip-client';
