// Imported first by main.ts, before tracing and everything else: see young-generation-cap.ts.
import { startWithYoungGenerationCap } from './young-generation-cap';

startWithYoungGenerationCap();
