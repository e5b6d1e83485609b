import type { Api, Stream } from '../api';
import { h, onSubmit, replaceChildren } from '../dom';
import { formatBitrate } from '../format';
import { poll } from '../poller';
import { publishDetails } from './publish-details';
import { srtCreateFields } from './srt-view';

const REFRESH_MS = 2000;

/** The streams list with live state (refreshing by itself) and the create form. */
export function renderStreams(api: Api, main: HTMLElement): () => void {
  const created = h('div', { class: 'created' });
  const tbody = h('tbody', { 'data-testid': 'streams-body' });
  const status = h('p', { class: 'muted', 'data-testid': 'streams-status' });
  replaceChildren(
    main,
    createForm(api, created),
    created,
    h(
      'section',
      { class: 'card' },
      h('h2', {}, 'Streams'),
      h(
        'table',
        { class: 'streams', 'data-testid': 'streams-table' },
        h('thead', {}, h('tr', {}, ...['Name', 'Status', 'Protocol', 'Video', 'Bitrate', 'Viewers', 'Access'].map((t) => h('th', {}, t)))),
        tbody,
      ),
      status,
    ),
  );
  return poll(async () => {
    try {
      const { streams } = await api.streams();
      replaceChildren(tbody, ...streams.map(streamRow));
      status.textContent = streams.length === 0 ? 'No streams yet: create one above.' : `Updated ${new Date().toLocaleTimeString()}`;
    } catch (e) {
      status.textContent = `Could not load streams: ${(e as Error).message}`;
    }
  }, REFRESH_MS);
}

function streamRow(s: Stream): HTMLElement {
  const video = s.state?.width ? `${s.state.width}×${s.state.height}${s.state.fps ? ` @ ${Math.round(s.state.fps)} fps` : ''}` : '—';
  return h(
    'tr',
    { 'data-testid': 'stream-row', 'data-stream-id': s.id, 'data-live': String(s.live) },
    h('td', {}, h('a', { href: `#/streams/${s.id}`, 'data-testid': 'stream-link' }, s.name), h('div', { class: 'muted small' }, s.id)),
    h('td', {}, s.live ? h('span', { class: 'badge live', 'data-testid': 'live-badge' }, 'LIVE') : h('span', { class: 'badge' }, 'offline')),
    h('td', {}, s.state?.protocol.toUpperCase() ?? '—'),
    h('td', {}, video),
    h('td', {}, s.state ? formatBitrate(s.state.bitrateKbps) : '—'),
    h('td', {}, s.state ? String(s.state.viewersTotal) : '—'),
    h('td', {}, s.private ? 'private' : 'public'),
  );
}

function createForm(api: Api, created: HTMLElement): HTMLElement {
  const name = h('input', { type: 'text', name: 'name', required: true, maxlength: 100, placeholder: 'My show', 'data-testid': 'new-stream-name' });
  const isPrivate = h('input', { type: 'checkbox', name: 'private', 'data-testid': 'new-stream-private' });
  const record = h('input', { type: 'checkbox', name: 'record', 'data-testid': 'new-stream-record' });
  const submit = h('button', { type: 'submit', 'data-testid': 'create-stream' }, 'Create stream');
  const srt = srtCreateFields();
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h(
    'form',
    { class: 'card create-stream' },
    h('h2', {}, 'New stream'),
    h(
      'div',
      { class: 'row' },
      h('label', { class: 'grow' }, 'Name', name),
      h('label', { class: 'check' }, isPrivate, 'Private'),
      h('label', { class: 'check' }, record, 'Record'),
      submit,
    ),
    srt.element,
    error,
  );
  onSubmit(form, submit, error, async () => {
    const settings = srt.value();
    const stream = await api.createStream({ name: name.value, private: isPrivate.checked, record: record.checked, ...(settings ? { srt: settings } : {}) });
    name.value = '';
    srt.reset();
    replaceChildren(created, publishDetails(`“${stream.name}” created`, stream.streamKey, stream.ingest, stream.srt));
  });
  return form;
}
