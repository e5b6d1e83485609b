// Imported first by main.ts, before tracing and everything else: see v8-heap-flags.ts.
import { startWithV8HeapFlags } from './v8-heap-flags';

startWithV8HeapFlags();
