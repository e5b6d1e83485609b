import { randomUUID } from 'node:crypto';
import type { RtcPeerOptions, RtcProducer } from './rtc-engine';

/**
 * The media streams (`a=msid` stream ids) of the tracks one send() gives a
 * peer. Browsers keep the audio and video of one stream in lip sync, so by
 * default the tracks of one source (a publisher, a bridge) share a stream and
 * different sources get different ones (a room subscriber watching several
 * participants must not sync one's voice to another's picture). With
 * `lipSync: false` each track is a stream of its own, and nothing holds the
 * picture for the sound. Stream ids are fresh per viewer, never a source's own
 * id: the publisher's peer id is not the viewer's business.
 */
export class MediaStreamIds {
  private readonly bySource = new Map<string, string>();

  constructor(private readonly options: Pick<RtcPeerOptions, 'lipSync'>) {}

  /** The stream id of the track (`trackId`) that sends `producer` to this peer. */
  of(producer: Pick<RtcProducer, 'sourceId'>, trackId: string): string {
    if (this.options.lipSync === false) return trackId;
    let id = this.bySource.get(producer.sourceId);
    if (id === undefined) {
      id = randomUUID();
      this.bySource.set(producer.sourceId, id);
    }
    return id;
  }
}
