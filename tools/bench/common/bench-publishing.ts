import { sleep, waitFor } from '@mediaplane/testing';
import { openHttpFlvViewer, openRtmpViewer, openWsFlvViewer, type BenchViewer, type TagListener } from './bench-viewers';
import { playTarget, type BenchServer, type PlayProtocol } from './bench-servers';
import type { FlvSource } from './flv-source';
import { classifyTag } from './media-tags';
import { PacedPublisher, type PacedPublisherOptions } from './paced-publisher';

/** Opens one viewer of `server` over `protocol`. */
export function openViewer(server: BenchServer, protocol: PlayProtocol, onTag: TagListener): Promise<BenchViewer> {
  if (protocol === 'rtmp') return openRtmpViewer(playTarget(server, 'rtmp'), onTag);
  return protocol === 'wsflv' ? openWsFlvViewer(playTarget(server, 'wsflv'), onTag) : openHttpFlvViewer(playTarget(server, 'flv'), onTag);
}

/** Starts the paced publisher on `server` and waits until a viewer receives a keyframe. */
export async function publishAndWaitPlayable(server: BenchServer, source: FlvSource, onSent?: PacedPublisherOptions['onSent']): Promise<PacedPublisher> {
  const publisher = await PacedPublisher.start({ target: server.publish, source, onSent });
  try {
    await waitPlayable(server);
  } catch (error) {
    publisher.stop();
    throw error;
  }
  return publisher;
}

/** Waits until a viewer of `server` (over its first protocol) receives a keyframe. */
async function waitPlayable(server: BenchServer): Promise<void> {
  await waitFor(
    async () => {
      let keyframe = false;
      const viewer = await openViewer(server, server.protocols[0] as PlayProtocol, (type, _ts, data) => (keyframe ||= classifyTag(type, data) === 'video-key'));
      try {
        for (let i = 0; i < 50 && !keyframe; i++) await sleep(100);
      } finally {
        viewer.close();
      }
      return keyframe;
    },
    { timeoutMs: 30_000, intervalMs: 300, what: `${server.label} playing the published stream` },
  );
}
