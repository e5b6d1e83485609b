// The process a ClockLivePublisherProcess runs: one ClockLivePublisher, away
// from the bench's own event loop (Playwright, sampling), whose stalls delayed
// the tone's 10 ms periods into ~40 ms bursts and Chromium's audio jitter
// buffer grew to match. Driven over IPC: it says "started" (or "failed"),
// answers "delays" with the encoder delays measured since the last ask, and
// stops on "stop" or when the parent goes.
import { ClockLivePublisher, type ClockLivePublisherOptions } from './clock-live-publisher';
import type { ClockPublisherCommand, ClockPublisherReport } from './clock-live-publisher-process';

function send(report: ClockPublisherReport): void {
  process.send?.(report);
}

async function main(): Promise<void> {
  if (!process.send) throw new Error('clock-live-publisher-main runs as a child of a bench (IPC channel needed)');
  const options = JSON.parse(process.argv[2] ?? '{}') as ClockLivePublisherOptions;
  let publisher: ClockLivePublisher;
  try {
    publisher = await ClockLivePublisher.start(options);
  } catch (error) {
    send({ type: 'failed', error: (error as Error).message });
    process.exit(1);
  }
  const stop = async (): Promise<never> => {
    await publisher.stop();
    process.exit(0);
  };
  process.on('disconnect', () => void stop());
  process.on('SIGTERM', () => void stop());
  process.on('message', (command: ClockPublisherCommand) => {
    if (command.type === 'delays') send({ type: 'delays', encoderDelaysMs: publisher.encoderDelaysMs.splice(0) });
    else void stop();
  });
  send({ type: 'started' });
}

void main();
