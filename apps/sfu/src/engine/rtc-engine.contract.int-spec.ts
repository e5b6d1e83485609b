import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createRtcEngine, findMediasoupWorker } from './create-rtc-engine';
import type { RtcEngineName } from './rtc-engine';
import { describeRtcEngineContract } from './rtc-engine.contract';

/**
 * One contract, every engine this machine can run: werift always; mediasoup
 * when its worker binary exists (CI has one via MEDIASOUP_WORKER_BIN) and its
 * engine module is in the tree. An engine that cannot run says why in a test
 * of its own rather than vanishing from the report.
 */

function engineModuleExists(name: RtcEngineName): boolean {
  return ['ts', 'js'].some((ext) => existsSync(join(__dirname, name, `${name}-engine.${ext}`)));
}

function unavailableReason(name: RtcEngineName): string | undefined {
  if (!engineModuleExists(name)) return `no ${name} engine module (./${name}/${name}-engine) in this tree`;
  if (name === 'mediasoup' && !findMediasoupWorker()) {
    return 'no mediasoup worker on this machine (MEDIASOUP_WORKER_BIN unset or missing, none bundled)';
  }
  return undefined;
}

for (const name of ['werift', 'mediasoup'] as const) {
  const reason = unavailableReason(name);
  if (reason === undefined) {
    describeRtcEngineContract(name, (options) => createRtcEngine(name, options));
  } else {
    describe(`RtcEngine contract: ${name}`, () => {
      it(`is not run here: ${reason}`, () => {
        // Printed so a run without the engine is visible in the log, never a silent skip.
        process.stdout.write(`RtcEngine contract for ${name} not run: ${reason}\n`);
        expect(name).not.toBe('werift');
      });
    });
  }
}
