export * from './ports';
export * from './wait-for';
export * from './namespace';
export * from './workspace';
export * from './child-processes';
export * from './app-process';
export * from './ffmpeg';
export * from './platform-env';
