// A separate process holding N cheap WHEP consumers of one stream (a load
// generator), so the SFU's CPU is measured without the viewers in it. Driven
// over IPC by the sfu-fanout bench (consumer-swarm-process.ts).
import { runConcurrently } from '@mediaplane/testing';
import { ByteCountingConsumer, type ConsumerCounts } from './byte-counting-consumer';
import {
  ConsumerSwarmCommandSchema,
  ConsumerSwarmConfigSchema,
  type ConsumerSwarmConfig,
  type ConsumerSwarmJoined,
  type ConsumerSwarmReport,
  type ConsumerWindow,
} from './consumer-swarm-messages';

interface Seat {
  consumer: ByteCountingConsumer;
  atWindowStart: ConsumerWindow;
}

const VIDEO_WAIT_MS = 10_000;

function send(message: ConsumerSwarmReport): void {
  process.send?.(message);
}

function snapshot(c: ConsumerCounts): ConsumerWindow {
  return { videoBytes: c.videoBytes, audioBytes: c.audioBytes, videoPackets: c.videoPackets, audioPackets: c.audioPackets };
}

async function join(config: ConsumerSwarmConfig, seats: Seat[]): Promise<ConsumerSwarmJoined> {
  const errors = await runConcurrently(seats, config.concurrency, (seat) => seat.consumer.join(config.whepUrl, config.joinTimeoutMs));
  // Connected is not served: wait until every consumer has seen video (the SFU asks the publisher for a keyframe on join).
  const deadline = Date.now() + VIDEO_WAIT_MS;
  while (Date.now() < deadline && seats.some((s) => s.consumer.counts.firstVideoAt === undefined)) await new Promise((r) => setTimeout(r, 100));
  const joined = seats.filter((s) => s.consumer.counts.firstVideoAt !== undefined).length;
  return {
    type: 'joined',
    joined,
    failed: seats.length - joined,
    firstError: errors[0] ?? (joined < seats.length ? `connected but no video within ${VIDEO_WAIT_MS} ms` : undefined),
  };
}

function main(): void {
  if (!process.send) throw new Error('consumer-swarm runs as a child of the sfu-fanout bench (IPC channel needed)');
  const config = ConsumerSwarmConfigSchema.parse(JSON.parse(process.argv[2] ?? '{}'));
  const seats: Seat[] = Array.from({ length: config.count }, () => ({
    consumer: new ByteCountingConsumer(),
    atWindowStart: { videoBytes: 0, audioBytes: 0, videoPackets: 0, audioPackets: 0 },
  }));
  let windowStartedAt = performance.now();
  const stop = async (): Promise<void> => {
    await Promise.all(seats.map((s) => s.consumer.leave()));
    send({ type: 'stopped' });
    process.exit(0);
  };
  process.on('disconnect', () => void stop());
  process.on('SIGTERM', () => void stop());
  process.on('message', (raw) => {
    const command = ConsumerSwarmCommandSchema.safeParse(raw);
    if (!command.success) return;
    if (command.data.type === 'start-window') {
      windowStartedAt = performance.now();
      for (const seat of seats) seat.atWindowStart = snapshot(seat.consumer.counts);
    } else if (command.data.type === 'end-window') {
      const wallSeconds = (performance.now() - windowStartedAt) / 1000;
      const consumers = seats.map((seat) => {
        const now = snapshot(seat.consumer.counts);
        return {
          videoBytes: now.videoBytes - seat.atWindowStart.videoBytes,
          audioBytes: now.audioBytes - seat.atWindowStart.audioBytes,
          videoPackets: now.videoPackets - seat.atWindowStart.videoPackets,
          audioPackets: now.audioPackets - seat.atWindowStart.audioPackets,
        };
      });
      send({ type: 'window', wallSeconds, consumers });
    } else void stop();
  });
  void join(config, seats).then(send);
}

main();
