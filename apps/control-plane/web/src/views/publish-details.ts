import type { IngestUrls, SrtSettingsView } from '../api';
import { copyField, h } from '../dom';

/** The key and publish URLs, shown once after create or rotate-key. */
export function publishDetails(title: string, streamKey: string, ingest: IngestUrls, srt?: SrtSettingsView): HTMLElement {
  return h(
    'section',
    { class: 'card publish-details', 'data-testid': 'publish-details' },
    h('h2', {}, title),
    h('p', { class: 'warning' }, 'The stream key is shown only now. Copy it somewhere safe; rotate it if it leaks.'),
    copyField('Stream key', streamKey, 'stream-key'),
    copyField('RTMP URL', ingest.rtmp, 'ingest-rtmp'),
    copyField('RTMP server (OBS)', ingest.rtmpServer, 'ingest-rtmp-server'),
    ingest.rtmps ? copyField('RTMPS URL', ingest.rtmps, 'ingest-rtmps') : null,
    copyField(`SRT URL (FFmpeg / OBS${srt?.passphraseSet ? ', with the passphrase' : ''})`, ingest.srt, 'ingest-srt'),
    copyField('SRT stream id (encoders with a separate field)', ingest.srtStreamId, 'ingest-srt-streamid'),
    srt?.latencyMs
      ? h(
          'p',
          { class: 'muted small', 'data-testid': 'ingest-srt-latency' },
          `Latency ${srt.latencyMs} ms: the URL says latency=${srt.latencyMs * 1000} (microseconds, as FFmpeg and OBS read it); srt-live-transmit takes latency=${srt.latencyMs} (milliseconds).`,
        )
      : null,
    copyField('WHIP endpoint (Bearer: stream key)', ingest.whip, 'ingest-whip'),
  );
}
