import { ApiError, type Api, type Stream } from '../api';
import { BitrateChart } from '../bitrate-chart';
import { copyField, h, replaceChildren } from '../dom';
import { formatBitrate, formatDuration, formatTime } from '../format';
import { poll } from '../poller';
import { confirmButton } from './confirm-button';
import { LivePlayer } from './live-player';
import { publishDetails } from './publish-details';

const REFRESH_MS = 2000;
const SNAPSHOT_MS = 5000;

/** One stream: player, live figures, snapshot, bitrate history, viewers, and kick / rotate / delete. */
export function renderStreamPage(api: Api, main: HTMLElement, id: string): () => void {
  const title = h('h1', { 'data-testid': 'stream-title' }, id);
  const badge = h('span', { class: 'badge', 'data-testid': 'stream-status' }, '…');
  const stats = h('dl', { class: 'stats', 'data-testid': 'stream-stats' });
  const snapshot = h('img', { alt: 'latest snapshot', class: 'snapshot', 'data-testid': 'snapshot' });
  const snapshotNote = h('p', { class: 'muted small' }, 'No snapshot yet.');
  const chart = new BitrateChart();
  const urls = h('div', { class: 'urls' });
  const notice = h('div', { class: 'notice' });
  const error = h('p', { class: 'error', role: 'alert' });
  const player = new LivePlayer(api);

  const kick = confirmButton('Kick publisher', 'Click again to kick', 'kick', async () => {
    await api.kick(id).then(
      (r) => (notice.textContent = r.wasLive ? 'Publisher disconnected.' : 'Nobody was publishing; the kick was sent anyway.'),
      (e: unknown) => (error.textContent = (e as Error).message),
    );
  });
  const rotate = confirmButton('Rotate key', 'Click again: the old key stops working', 'rotate-key', async () => {
    await api.rotateKey(id).then(
      (r) => replaceChildren(notice, publishDetails('New stream key', r.streamKey, r.ingest)),
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
      player.element,
      h(
        'div',
        { class: 'side' },
        h('section', { class: 'card' }, h('h2', {}, 'Live'), stats),
        h('section', { class: 'card' }, h('h2', {}, 'Bitrate'), chart.element),
        h('section', { class: 'card' }, h('h2', {}, 'Snapshot'), snapshot, snapshotNote),
      ),
    ),
    h('section', { class: 'card actions' }, h('h2', {}, 'Actions'), h('div', { class: 'row' }, kick, rotate, remove), notice),
    h('section', { class: 'card' }, h('h2', {}, 'URLs'), urls),
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
    if (stream.live) chart.push(stream.state?.bitrateKbps ?? 0);
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
        [
          'Viewers',
          `${s.viewersTotal}${
            Object.keys(s.viewers).length
              ? ` (${Object.entries(s.viewers)
                  .map(([p, n]) => `${p} ${n}`)
                  .join(', ')})`
              : ''
          }`,
        ],
        ['Renditions', stream.renditions.map((r) => `${r.name} ${r.width}×${r.height}`).join(', ') || '—'],
      ]
    : [['Status', 'offline']];
  rows.push(['Access', stream.private ? 'private (playback needs a token)' : 'public']);
  replaceChildren(dl, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', { 'data-testid': `stat-${k.toLowerCase()}` }, v)]));
}

function playbackFields(stream: Stream): HTMLElement[] {
  const p = stream.playback;
  return [
    copyField('RTMP server (publish)', stream.ingest.rtmpServer, 'url-rtmp-server'),
    copyField('SRT server (publish)', stream.ingest.srtServer, 'url-srt-server'),
    copyField('WHIP endpoint (publish)', stream.ingest.whip, 'url-whip'),
    copyField(`HTTP-FLV${stream.private ? ' (+ ?token=)' : ''}`, p.flv, 'url-flv'),
    copyField('WebSocket-FLV', p.wsflv, 'url-wsflv'),
    copyField('HLS', p.hls, 'url-hls'),
    copyField('WHEP', p.whep, 'url-whep'),
    copyField('RTMP play', p.rtmp, 'url-rtmp'),
  ];
}
