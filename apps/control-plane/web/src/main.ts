import './styles.css';
import { Api, storedToken, storeToken } from './api';
import { h, replaceChildren } from './dom';
import { renderDevices } from './views/devices-view';
import { renderNodes } from './views/nodes-view';
import { renderSignIn } from './views/sign-in-view';
import { renderStreamPage } from './views/stream-page-view';
import { renderStreams } from './views/streams-view';

/** A view renders into `main` and returns what stops its timers and players. */
export type View = (api: Api, main: HTMLElement) => () => void;

const root = document.getElementById('app') as HTMLElement;
let leave: (() => void) | undefined;

function route(): void {
  leave?.();
  leave = undefined;
  const token = storedToken();
  if (!token) {
    replaceChildren(
      root,
      renderSignIn(() => route()),
    );
    return;
  }
  const api = new Api(token);
  api.onUnauthorized = () => {
    storeToken(null);
    route();
  };
  const main = h('main', { id: 'main' });
  replaceChildren(root, shell(), main);
  const streamMatch = /^#\/streams\/([A-Za-z0-9_-]+)$/.exec(location.hash);
  const view: View = streamMatch
    ? (a, m) => renderStreamPage(a, m, streamMatch[1] as string)
    : location.hash === '#/nodes'
      ? renderNodes
      : location.hash === '#/devices'
        ? renderDevices
        : renderStreams;
  leave = view(api, main);
}

function shell(): HTMLElement {
  const signOut = h('button', { type: 'button', class: 'secondary', 'data-testid': 'sign-out' }, 'Sign out');
  signOut.addEventListener('click', () => {
    storeToken(null);
    location.hash = '';
    route();
  });
  const current = location.hash === '#/nodes' ? 'nodes' : location.hash === '#/devices' ? 'devices' : 'streams';
  return h(
    'header',
    { class: 'top' },
    h('a', { href: '#/', class: 'brand' }, 'Mediaplane'),
    h(
      'nav',
      {},
      h('a', { href: '#/', class: current === 'streams' ? 'active' : '', 'data-testid': 'nav-streams' }, 'Streams'),
      h('a', { href: '#/devices', class: current === 'devices' ? 'active' : '', 'data-testid': 'nav-devices' }, 'Devices'),
      h('a', { href: '#/nodes', class: current === 'nodes' ? 'active' : '', 'data-testid': 'nav-nodes' }, 'Nodes'),
    ),
    signOut,
  );
}

window.addEventListener('hashchange', route);
route();
