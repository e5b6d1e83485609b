export * from './werift-dtls-patch';
export * from './whip-client';
export * from './werift-ntp-clock';
