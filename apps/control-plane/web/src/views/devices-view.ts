import type { Api, DeviceView } from '../api';
import { h, replaceChildren } from '../dom';
import { poll } from '../poller';

const PRESETS = ['360p', '480p', '720p', '1080p'] as const;
const OUTPUTS = ['rtmp', 'srt', 'whip'] as const;

/**
 * Capture agents' devices: kind, model, screen, agent, capture state with fps, bitrate and restarts; start a
 * capture with the chosen output and quality, stop it, and open the stream page (the HLS/FLV player) as a preview.
 */
export function renderDevices(api: Api, main: HTMLElement): () => void {
  const tbody = h('tbody', { 'data-testid': 'devices-body' });
  const status = h('p', { class: 'muted', 'data-testid': 'devices-status' });
  const output = h('select', { 'data-testid': 'capture-output' }, ...OUTPUTS.map((o) => h('option', { value: o }, o.toUpperCase())));
  const quality = h('select', { 'data-testid': 'capture-quality' }, ...PRESETS.map((p) => h('option', { value: p, selected: p === '720p' }, p)));
  const message = h('p', { class: 'muted', 'data-testid': 'capture-message' });
  let refresh: () => Promise<void> = () => Promise.resolve();

  const act = async (what: () => Promise<unknown>, done: string) => {
    try {
      await what();
      message.textContent = done;
    } catch (e) {
      message.textContent = (e as Error).message;
    }
    await refresh();
  };

  const row = (d: DeviceView): HTMLElement => {
    const c = d.capture;
    const start = h('button', { type: 'button', 'data-testid': 'capture-start' }, c ? 'Restart' : 'Start');
    start.addEventListener(
      'click',
      () =>
        void act(
          () => api.startCapture(d.id, { output: output.value as (typeof OUTPUTS)[number], quality: { preset: quality.value as (typeof PRESETS)[number] } }),
          `Capture of ${d.name} started.`,
        ),
    );
    const stop = c ? h('button', { type: 'button', class: 'secondary', 'data-testid': 'capture-stop' }, 'Stop') : null;
    stop?.addEventListener('click', () => void act(() => api.stopCapture(d.id), `Capture of ${d.name} stopped.`));
    return h(
      'tr',
      { 'data-testid': 'device-row', 'data-device-id': d.id, 'data-kind': d.kind, 'data-state': c?.state ?? 'idle' },
      h('td', {}, h('span', { class: 'badge' }, d.kind)),
      h(
        'td',
        { 'data-testid': 'device-name' },
        d.name,
        d.model ? h('div', { class: 'muted small' }, d.model) : null,
        d.present ? null : h('div', { class: 'badge warn' }, 'gone'),
      ),
      h('td', {}, d.screen ? `${d.screen.width}×${d.screen.height}` : '—'),
      h('td', {}, d.agent.id, h('div', { class: 'muted small' }, d.agent.host)),
      h('td', { 'data-testid': 'device-state' }, c ? `${c.state} · ${c.output.toUpperCase()} ${c.quality.width}×${c.quality.height}` : 'idle'),
      h(
        'td',
        { 'data-testid': 'device-metrics' },
        c
          ? `${c.fps} fps · ${c.bitrateKbps} kb/s · ${c.restarts} restart${c.restarts === 1 ? '' : 's'}${d.capabilities.input ? ` · ${c.inputEvents} inputs` : ''}`
          : '—',
      ),
      h(
        'td',
        {},
        c ? h('a', { href: `#/streams/${c.streamId}`, 'data-testid': 'device-preview' }, 'Preview') : null,
        c ? h('a', { href: c.playback.hls, class: 'muted small', target: '_blank', rel: 'noreferrer', 'data-testid': 'device-hls' }, ' HLS') : null,
      ),
      h('td', {}, start, stop),
    );
  };

  replaceChildren(
    main,
    h(
      'section',
      { class: 'card' },
      h('h2', {}, 'Devices'),
      h('div', { class: 'row' }, h('label', {}, 'Output ', output), h('label', {}, ' Quality ', quality)),
      message,
      h(
        'table',
        { class: 'nodes', 'data-testid': 'devices-table' },
        h('thead', {}, h('tr', {}, ...['Kind', 'Device', 'Screen', 'Agent', 'Capture', 'Metrics', 'Watch', ''].map((t) => h('th', {}, t)))),
        tbody,
      ),
      status,
    ),
  );
  refresh = async () => {
    try {
      const { devices } = await api.devices();
      replaceChildren(tbody, ...devices.map(row));
      status.textContent = `${devices.length} device${devices.length === 1 ? '' : 's'}`;
    } catch (e) {
      status.textContent = `Could not load devices: ${(e as Error).message}`;
    }
  };
  return poll(() => refresh(), 2000);
}
