import { ApiError, type Api, type RestreamOutput } from '../api';
import { h, onSubmit, replaceChildren } from '../dom';
import { formatByteCount } from '../format';
import { poll } from '../poller';
import { confirmButton } from './confirm-button';

const REFRESH_MS = 2000;

/**
 * The stream page's restream outputs: each output's name, redacted target,
 * state (with the last error) and bytes sent, a form to add one (target URL
 * and name; the URL is never shown again) and a remove button per output.
 */
export function restreamOutputsCard(api: Api, streamId: string): { element: HTMLElement; stop: () => void } {
  const list = h('div', { 'data-testid': 'restream-outputs' }, h('p', { class: 'muted' }, 'Loading…'));
  const error = h('p', { class: 'error', role: 'alert' });
  const url = h('input', {
    type: 'password',
    name: 'url',
    required: true,
    autocomplete: 'off',
    placeholder: 'rtmp://a.rtmp.youtube.com/live2/KEY or srt://host:port?streamid=…',
    'data-testid': 'restream-url',
  });
  const name = h('input', { type: 'text', name: 'name', maxlength: 100, placeholder: 'Name (optional)', 'data-testid': 'restream-name' });
  const submit = h('button', { type: 'submit', 'data-testid': 'restream-add' }, 'Add output');
  const form = h('form', { class: 'row restream-form' }, url, name, submit);
  let refresh = async (): Promise<void> => undefined;
  onSubmit(form, submit, error, async () => {
    await api.addRestreamOutput(streamId, { url: url.value.trim(), ...(name.value.trim() ? { name: name.value.trim() } : {}) });
    // The target is a secret: forget it in the page as soon as the API has it.
    url.value = '';
    name.value = '';
    await refresh();
  });

  refresh = async () => {
    try {
      const { outputs, limit } = await api.restreamOutputs(streamId);
      error.textContent = '';
      if (outputs.length === 0) {
        replaceChildren(list, h('p', { class: 'muted' }, `No outputs. Add up to ${limit} push targets (RTMP, RTMPS, SRT).`));
        return;
      }
      replaceChildren(
        list,
        h(
          'table',
          { class: 'renditions' },
          h('thead', {}, h('tr', {}, ...['Name', 'Target', 'State', 'Sent', ''].map((t) => h('th', {}, t)))),
          h('tbody', {}, ...outputs.map((o) => outputRow(api, o, refresh, error))),
        ),
      );
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) error.textContent = `Could not load the outputs: ${(e as Error).message}`;
    }
  };
  const stop = poll(refresh, REFRESH_MS);
  const element = h(
    'section',
    { class: 'card' },
    h('h2', {}, 'Restream outputs'),
    list,
    form,
    h('p', { class: 'muted small' }, 'Target URLs are write-only: they carry the destination key and are only ever shown redacted.'),
    error,
  );
  return { element, stop };
}

function outputRow(api: Api, o: RestreamOutput, refresh: () => Promise<void>, error: HTMLElement): HTMLElement {
  const remove = confirmButton('Remove', 'Click again to remove', 'restream-remove', async () => {
    await api.removeRestreamOutput(o.streamId, o.id).then(refresh, (e: unknown) => (error.textContent = (e as Error).message));
  });
  const state = h('span', { class: `badge${o.state === 'live' ? ' live' : ''}`, 'data-testid': 'restream-state' }, o.state);
  const detail = [o.reconnects > 0 ? `${o.reconnects} reconnects` : '', o.lastError ?? ''].filter(Boolean).join(' · ');
  return h(
    'tr',
    { 'data-testid': 'restream-row', 'data-id': o.id },
    h('td', {}, o.name),
    h('td', { class: 'mono small', 'data-testid': 'restream-target' }, o.target.redacted),
    h('td', {}, state, detail ? h('div', { class: 'muted small' }, detail) : null),
    h('td', { 'data-testid': 'restream-bytes' }, formatByteCount(o.bytesSent)),
    h('td', {}, remove),
  );
}
