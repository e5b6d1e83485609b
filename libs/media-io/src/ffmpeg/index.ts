export * from './ffmpeg-progress';
export * from './restart-backoff';
export * from './ffmpeg-process';
export * from './ffmpeg-supervisor';
export * from './http-pipe-input';
export * from './matroska-pipe-input';
