import { ApiError, type Api, type Rendition, type Stream } from '../api';
import { BitrateChart } from '../bitrate-chart';
import { copyField, h, replaceChildren } from '../dom';
import { formatBitrate, formatDuration, formatTime } from '../format';
import { poll } from '../poller';
import { confirmButton } from './confirm-button';
import { LivePlayer } from './live-player';
import { publishDetails } from './publish-details';
import { srtLinkPanel, srtSettingsCard } from './srt-view';
import { restreamOutputsCard } from './restream-outputs-view';

const REFRESH_MS = 2000;
const SNAPSHOT_MS = 5000;

/** One stream: player, HLS renditions, live figures, snapshot, bitrate history, viewers, and kick / rotate / delete. */
export function renderStreamPage(api: Api, main: HTMLElement, id: string): () => void {
  const title = h('h1', { 'data-testid': 'stream-title' }, id);
  const badge = h('span', { class: 'badge', 'data-testid': 'stream-status' }, '…');
  const stats = h('dl', { class: 'stats', 'data-testid': 'stream-stats' });
  const snapshot = h('img', { alt: 'latest snapshot', class: 'snapshot', 'data-testid': 'snapshot' });
  const snapshotNote = h('p', { class: 'muted small' }, 'No snapshot yet.');
  const chart = new BitrateChart();
  const renditions = h('div', { 'data-testid': 'renditions' });
  const urls = h('div', { class: 'urls' });
  const notice = h('div', { class: 'notice' });
  const error = h('p', { class: 'error', role: 'alert' });
  const player = new LivePlayer(api);
  const srtLink = srtLinkPanel();
  const srtSettings = srtSettingsCard(api, id);
  const restream = restreamOutputsCard(api, id);

  const kick = confirmButton('Kick publisher', 'Click again to kick', 'kick', async () => {
    await api.kick(id).then(
      (r) => (notice.textContent = r.wasLive ? 'Publisher disconnected.' : 'Nobody was publishing; the kick was sent anyway.'),
      (e: unknown) => (error.textContent = (e as Error).message),
    );
  });
  const rotate = confirmButton('Rotate key', 'Click again: the old key stops working', 'rotate-key', async () => {
    await api.rotateKey(id).then(
      (r) => replaceChildren(notice, publishDetails('New stream key', r.streamKey, r.ingest, r.srt)),
      (e: unknown) => (error.textContent = (e as Error).message),
    );
  });
  const remove = confirmButton('Delete stream', 'Click again to delete for good', 'delete-stream', async () => {
    await api.deleteStream(id).then(
      () => (location.hash = '#/'),
      (e: unknown) => (error.textContent = (e as Error).message),
    );
  });

  replaceChildren(
    main,
    h('p', {}, h('a', { href: '#/' }, '← All streams')),
    h('div', { class: 'title-row' }, title, badge),
    error,
    h(
      'div',
      { class: 'grid' },
      h('div', { class: 'column' }, player.element, h('section', { class: 'card' }, h('h2', {}, 'HLS renditions'), renditions)),
      h(
        'div',
        { class: 'side' },
        h('section', { class: 'card' }, h('h2', {}, 'Live'), stats),
        srtLink.element,
        h('section', { class: 'card' }, h('h2', {}, 'Bitrate'), chart.element),
        h('section', { class: 'card' }, h('h2', {}, 'Snapshot'), snapshot, snapshotNote),
      ),
    ),
    h('section', { class: 'card actions' }, h('h2', {}, 'Actions'), h('div', { class: 'row' }, kick, rotate, remove), notice),
    restream.element,
    h('section', { class: 'card' }, h('h2', {}, 'URLs'), urls),
    srtSettings.element,
  );

  let shownUrlsFor = '';
  const stopPoll = poll(async () => {
    let stream: Stream;
    try {
      stream = await api.stream(id);
    } catch (e) {
      error.textContent =
        e instanceof ApiError && e.status === 404 ? 'This stream does not exist (any more).' : `Could not load the stream: ${(e as Error).message}`;
      return;
    }
    error.textContent = '';
    title.textContent = stream.name;
    badge.textContent = stream.live ? 'LIVE' : 'offline';
    badge.className = `badge${stream.live ? ' live' : ''}`;
    renderStats(stats, stream);
    renderRenditions(renditions, stream);
    srtLink.update(stream);
    srtSettings.update(stream);
    // A session's first live state is written before any bytes are counted: leading zeros are not history.
    const kbps = stream.state?.bitrateKbps ?? 0;
    if (stream.live && (chart.count > 0 || kbps > 0)) chart.push(kbps);
    if (shownUrlsFor !== stream.id) {
      shownUrlsFor = stream.id;
      replaceChildren(urls, ...playbackFields(stream));
    }
    player.update(stream);
  }, REFRESH_MS);

  let snapshotUrl: string | null = null;
  const stopSnapshots = poll(async () => {
    const next = await api.snapshotUrl(id).catch(() => null);
    if (!next) {
      snapshotNote.textContent = 'No snapshot (the stream is offline or has not sent a keyframe yet).';
      return;
    }
    if (snapshotUrl) URL.revokeObjectURL(snapshotUrl);
    snapshotUrl = next;
    snapshot.src = next;
    snapshotNote.textContent = `Taken around ${new Date().toLocaleTimeString()}`;
  }, SNAPSHOT_MS);

  return () => {
    stopPoll();
    stopSnapshots();
    restream.stop();
    player.destroy();
    if (snapshotUrl) URL.revokeObjectURL(snapshotUrl);
  };
}

function renderStats(dl: HTMLElement, stream: Stream): void {
  const s = stream.state;
  const rows: Array<[string, string]> = s
    ? [
        ['Publisher', `${s.protocol.toUpperCase()} via ${s.node}`],
        ['Started', `${formatTime(s.startedAt)} (${formatDuration(s.uptimeSeconds)} ago)`],
        ['Codecs', s.codecs.join(', ') || '—'],
        ['Video', s.width ? `${s.width}×${s.height}${s.fps ? ` @ ${s.fps.toFixed(2)} fps` : ''}` : '—'],
        ['Bitrate', formatBitrate(s.bitrateKbps)],
        ['Viewers', formatViewers(s.viewersTotal, s.viewers)],
      ]
    : [['Status', 'offline']];
  rows.push(['Access', stream.private ? 'private (playback needs a token)' : 'public']);
  replaceChildren(dl, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', { 'data-testid': `stat-${k.toLowerCase()}` }, v)]));
}

/** Only the protocols somebody watches over: "3 (flv 2, wsflv 1)". */
function formatViewers(total: number, byProtocol: Partial<Record<string, number>>): string {
  const watched = Object.entries(byProtocol).filter(([, n]) => (n ?? 0) > 0);
  return watched.length ? `${total} (${watched.map(([p, n]) => `${p} ${n}`).join(', ')})` : String(total);
}

/** The ladder the transcoder serves for this session, as GET /streams/{id} reports it. */
function renderRenditions(container: HTMLElement, stream: Stream): void {
  const signature = stream.live ? JSON.stringify(stream.renditions) : 'offline';
  if (container.dataset['shown'] === signature) return;
  container.dataset['shown'] = signature;
  if (!stream.live) {
    replaceChildren(container, h('p', { class: 'muted' }, 'The stream is offline.'));
    return;
  }
  if (stream.renditions.length === 0) {
    replaceChildren(
      container,
      h('p', { class: 'muted', 'data-testid': 'renditions-pending' }, 'No renditions yet: they appear once a transcoder serves the stream.'),
    );
    return;
  }
  replaceChildren(
    container,
    h(
      'table',
      { class: 'renditions' },
      h('thead', {}, h('tr', {}, ...['Name', 'Resolution', 'Bitrate', 'Frame rate', 'Codecs'].map((t) => h('th', {}, t)))),
      h('tbody', {}, ...stream.renditions.map(renditionRow)),
    ),
  );
}

function renditionRow(r: Rendition): HTMLElement {
  return h(
    'tr',
    { 'data-testid': 'rendition-row', 'data-name': r.name },
    h('td', {}, r.name),
    h('td', { 'data-testid': 'rendition-size' }, `${r.width}×${r.height}`),
    h('td', {}, formatBitrate(r.bandwidth / 1000)),
    h('td', {}, r.frameRate ? `${r.frameRate.toFixed(2)} fps` : '—'),
    h('td', { class: 'mono small' }, r.codecs),
  );
}

function playbackFields(stream: Stream): HTMLElement[] {
  const p = stream.playback;
  // Every playback URL of a private stream needs a token from POST /streams/{id}/playback-tokens.
  const t = stream.private ? ' (+ ?token=)' : '';
  return [
    copyField('RTMP server (publish)', stream.ingest.rtmpServer, 'url-rtmp-server'),
    copyField('SRT server (publish)', stream.ingest.srtServer, 'url-srt-server'),
    copyField('WHIP endpoint (publish)', stream.ingest.whip, 'url-whip'),
    copyField(`HTTP-FLV${t}`, p.flv, 'url-flv'),
    copyField(`WebSocket-FLV${t}`, p.wsflv, 'url-wsflv'),
    copyField(`HLS${t}`, p.hls, 'url-hls'),
    copyField(`WHEP${t}`, p.whep, 'url-whep'),
    copyField(`RTMP play${t}`, p.rtmp, 'url-rtmp'),
    copyField(`SRT play (MPEG-TS)${stream.private ? ' (+ ,s=token in the streamid)' : ''}`, p.srt, 'url-srt'),
  ];
}
