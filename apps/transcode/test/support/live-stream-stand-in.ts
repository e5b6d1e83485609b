import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { streamContracts, type Ladder } from '@mediaplane/contracts';
import { Bus } from '@mediaplane/messaging';
import { createLogger } from '@mediaplane/observability';
import { LiveStreamStore, type LiveStreamState } from '@mediaplane/sessions';

export interface StandInStream {
  streamId: string;
  sessionId: string;
  private?: boolean;
  record?: boolean;
  ladder?: Ladder;
  pullUrl: string;
  width?: number;
  height?: number;
  fps?: number;
}

/**
 * Plays ingest and control plane for transcode tests: writes the live state
 * (as ingest does when a publisher goes live), publishes streamStarted /
 * streamEnded on JetStream with the stream's settings, as the publish decision gave them to ingest.
 */
export class PlatformStandIn {
  readonly live: LiveStreamStore;
  private readonly refreshers = new Map<string, NodeJS.Timeout>();

  private constructor(
    readonly bus: Bus,
    readonly redis: Redis,
    readonly namespace: string,
  ) {
    this.live = new LiveStreamStore(redis, namespace);
  }

  static async connect(namespace: string): Promise<PlatformStandIn> {
    const logger = createLogger({ app: 'test', level: 'silent' });
    const bus = await Bus.connect('nats://127.0.0.1:4222', { namespace, queueGroup: 'control-plane', logger });
    await bus.ensureJetStream();
    const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 3 });
    return new PlatformStandIn(bus, redis, namespace);
  }

  static sessionId(): string {
    return randomBytes(6).toString('hex');
  }

  async goLive(stream: StandInStream): Promise<LiveStreamState> {
    const settings = { private: stream.private ?? false, record: stream.record ?? false, ...(stream.ladder ? { ladder: stream.ladder } : {}) };
    const now = new Date().toISOString();
    const state: LiveStreamState = {
      streamId: stream.streamId,
      sessionId: stream.sessionId,
      node: 'ingest-stand-in',
      pullUrl: stream.pullUrl,
      protocol: 'rtmp',
      private: stream.private ?? false,
      startedAt: now,
      updatedAt: now,
      media: {
        // Like ingest before it has parsed the codec configuration: size and rate, no codec string.
        video: stream.width ? { codec: 'h264', width: stream.width, height: stream.height, fps: stream.fps ?? 30 } : undefined,
        audio: { codec: 'aac', codecString: 'mp4a.40.2', sampleRate: 48000, channels: 1 },
      },
      bitrateKbps: 0,
      viewers: {},
    };
    if (!(await this.live.claim(state, 10_000))) throw new Error(`${stream.streamId} is already live`);
    // Ingest refreshes its entry while the publisher is connected.
    this.refreshers.set(
      stream.streamId,
      setInterval(() => void this.live.update({ ...state, updatedAt: new Date().toISOString() }, 10_000), 2000),
    );
    await this.bus.publish(
      streamContracts.streamStarted,
      { streamId: stream.streamId },
      { streamId: stream.streamId, sessionId: stream.sessionId, protocol: 'rtmp', node: 'ingest-stand-in', startedAt: now, media: state.media, settings },
      { msgId: `started-${stream.streamId}-${stream.sessionId}` },
    );
    return state;
  }

  async end(stream: Pick<StandInStream, 'streamId' | 'sessionId'>, startedAt = new Date().toISOString()): Promise<void> {
    clearInterval(this.refreshers.get(stream.streamId));
    this.refreshers.delete(stream.streamId);
    await this.live.release(stream.streamId, stream.sessionId);
    await this.bus.publish(
      streamContracts.streamEnded,
      { streamId: stream.streamId },
      {
        streamId: stream.streamId,
        sessionId: stream.sessionId,
        protocol: 'rtmp',
        node: 'ingest-stand-in',
        reason: 'publisher_closed',
        startedAt,
        endedAt: new Date().toISOString(),
        bytesIn: 0,
      },
      { msgId: `ended-${stream.streamId}-${stream.sessionId}` },
    );
  }

  async close(): Promise<void> {
    for (const t of this.refreshers.values()) clearInterval(t);
    await this.bus.close();
    await this.redis.quit().catch(() => undefined);
  }
}
