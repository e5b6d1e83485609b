import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { transcodeContracts } from '@mediaplane/contracts';
import type { Bus } from '@mediaplane/messaging';
import { BUS } from '@mediaplane/service-kit';
import { OriginChanges } from './origin-changes';
import { OriginDirectory } from './origin-directory.service';

/**
 * A worker announces `rendition.ready` when it starts serving a stream, also
 * when it takes a stream over from a dead or hung worker. The edge forgets
 * its cached origin for that stream at once, so viewers reach the new worker
 * on their next request instead of after the lookup cache expires, and
 * requests still waiting on the old (hung) worker ask the new one.
 */
@Injectable()
export class OriginChangeListener implements OnApplicationBootstrap {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    private readonly directory: OriginDirectory,
    private readonly changes: OriginChanges,
  ) {}

  onApplicationBootstrap(): void {
    // Every edge must hear it, not one of a queue group.
    this.bus.subscribe(
      transcodeContracts.renditionReady,
      (ready) => {
        this.directory.forget(ready.streamId);
        this.changes.notify(ready.streamId);
      },
      { queue: false },
    );
  }
}
