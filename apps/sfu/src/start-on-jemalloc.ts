// Imported first by main.ts, before tracing and everything else: see memory-allocator.ts.
import { startOnJemalloc } from './memory-allocator';

startOnJemalloc();
