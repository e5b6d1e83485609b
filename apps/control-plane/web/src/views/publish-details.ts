import type { IngestUrls } from '../api';
import { copyField, h } from '../dom';

/** The key and publish URLs, shown once after create or rotate-key. */
export function publishDetails(title: string, streamKey: string, ingest: IngestUrls): HTMLElement {
  return h(
    'section',
    { class: 'card publish-details', 'data-testid': 'publish-details' },
    h('h2', {}, title),
    h('p', { class: 'warning' }, 'The stream key is shown only now. Copy it somewhere safe; rotate it if it leaks.'),
    copyField('Stream key', streamKey, 'stream-key'),
    copyField('RTMP URL', ingest.rtmp, 'ingest-rtmp'),
    copyField('RTMP server (OBS)', ingest.rtmpServer, 'ingest-rtmp-server'),
    ingest.rtmps ? copyField('RTMPS URL', ingest.rtmps, 'ingest-rtmps') : null,
    copyField('SRT URL', ingest.srt, 'ingest-srt'),
    copyField('WHIP endpoint (Bearer: stream key)', ingest.whip, 'ingest-whip'),
  );
}
