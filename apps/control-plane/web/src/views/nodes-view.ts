import type { Api, NodeView } from '../api';
import { h, replaceChildren } from '../dom';
import { formatBytes, formatTime } from '../format';
import { poll } from '../poller';

/** The cluster view: every running instance with its health and load, refreshing by itself. */
export function renderNodes(api: Api, main: HTMLElement): () => void {
  const tbody = h('tbody', { 'data-testid': 'nodes-body' });
  const status = h('p', { class: 'muted' });
  replaceChildren(
    main,
    h(
      'section',
      { class: 'card' },
      h('h2', {}, 'Nodes'),
      h(
        'table',
        { class: 'nodes', 'data-testid': 'nodes-table' },
        h('thead', {}, h('tr', {}, ...['App', 'Instance', 'Address', 'Health', 'CPU', 'Memory', 'Loop lag', 'Load', 'Last seen'].map((t) => h('th', {}, t)))),
        tbody,
      ),
      status,
    ),
  );
  return poll(async () => {
    try {
      const { nodes } = await api.nodes();
      replaceChildren(tbody, ...nodes.map(nodeRow));
      status.textContent = `${nodes.length} instance${nodes.length === 1 ? '' : 's'}`;
    } catch (e) {
      status.textContent = `Could not load nodes: ${(e as Error).message}`;
    }
  }, 2000);
}

function nodeRow(n: NodeView): HTMLElement {
  const ports = Object.entries(n.ports)
    .map(([name, port]) => `${name} ${port}`)
    .join(', ');
  const units = Object.entries(n.load.units)
    .map(([name, value]) => `${name} ${value}`)
    .join(', ');
  return h(
    'tr',
    { 'data-testid': 'node-row', 'data-app': n.app },
    h(
      'td',
      {},
      n.app,
      ...Object.entries(n.facts).map(([name, value]) => h('div', { class: 'muted small', 'data-testid': `node-fact-${name}` }, `${name}: ${value}`)),
    ),
    h('td', {}, n.id, h('div', { class: 'muted small' }, `v${n.version}`)),
    h('td', {}, n.address, h('div', { class: 'muted small' }, ports)),
    h('td', {}, h('span', { class: `badge ${n.health === 'ready' ? 'ok' : 'warn'}` }, n.health)),
    h('td', {}, `${Math.round(n.load.cpu * 100)}%`),
    h('td', {}, formatBytes(n.load.rssBytes)),
    h('td', {}, `${n.load.eventLoopLagMs.toFixed(1)} ms`),
    h('td', {}, units || '—'),
    h('td', {}, formatTime(n.lastSeenAt)),
  );
}
