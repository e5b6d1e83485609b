// Media I/O: protocol engines and media plumbing. Each folder owns its public surface in its own
// index.ts; this file only re-exports them so concurrent work on different folders does not collide.

export * from './rtmp';
export * from './hub';
export * from './ffmpeg';
export * from './native-addon';
