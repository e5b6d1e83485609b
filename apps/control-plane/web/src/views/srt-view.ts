import type { Api, SrtLink, SrtPublishSettings, SrtSettingsUpdate, Stream } from '../api';
import { h, onSubmit, replaceChildren } from '../dom';
import { formatBitrate } from '../format';

/*
 * The dashboard's SRT pieces: passphrase and latency inputs (create form and
 * the stream page) and the link-statistics panel of a live SRT publisher.
 */

const KEY_LENGTHS = ['16', '24', '32'] as const;

function passphraseInput(testId: string): HTMLInputElement {
  // Same rule as the API (URL-safe, 10-79): the browser says what is wrong before the round trip.
  return h('input', {
    type: 'password',
    name: 'srt-passphrase',
    minlength: 10,
    maxlength: 79,
    pattern: '[A-Za-z0-9._~\\-]{10,79}',
    title: '10-79 of A-Z a-z 0-9 - . _ ~',
    autocomplete: 'new-password',
    placeholder: 'none',
    'data-testid': testId,
  });
}

function latencyInput(testId: string): HTMLInputElement {
  return h('input', { type: 'number', name: 'srt-latency', min: 20, max: 8000, step: 1, placeholder: 'default', 'data-testid': testId });
}

function keyLengthSelect(testId: string): HTMLSelectElement {
  return h('select', { name: 'srt-key-length', 'data-testid': testId }, ...KEY_LENGTHS.map((n) => h('option', { value: n }, `AES-${Number(n) * 8}`)));
}

/** Optional SRT fields of the create form; `value()` is undefined when none is filled in. */
export function srtCreateFields(): { element: HTMLElement; value(): SrtPublishSettings | undefined; reset(): void } {
  const passphrase = passphraseInput('new-stream-srt-passphrase');
  const keyLength = keyLengthSelect('new-stream-srt-key-length');
  const latency = latencyInput('new-stream-srt-latency');
  const element = h(
    'div',
    { class: 'row' },
    h('label', { class: 'grow' }, 'SRT passphrase (optional)', passphrase),
    h('label', {}, 'Key length', keyLength),
    h('label', {}, 'SRT latency (ms)', latency),
  );
  return {
    element,
    value() {
      const srt: SrtPublishSettings = {};
      if (passphrase.value) {
        srt.passphrase = passphrase.value;
        srt.keyLength = Number(keyLength.value) as 16 | 24 | 32;
      }
      if (latency.value) srt.latencyMs = Number(latency.value);
      return Object.keys(srt).length ? srt : undefined;
    },
    reset() {
      passphrase.value = '';
      latency.value = '';
    },
  };
}

/** The stream page's SRT settings: what is set (never the passphrase), and a form to change it. */
export function srtSettingsCard(api: Api, id: string): { element: HTMLElement; update(stream: Stream): void } {
  const status = h('p', { class: 'muted', 'data-testid': 'srt-settings-status' });
  const passphrase = passphraseInput('srt-passphrase');
  const keyLength = keyLengthSelect('srt-key-length');
  const latency = latencyInput('srt-latency');
  const save = h('button', { type: 'submit', 'data-testid': 'srt-save' }, 'Save SRT settings');
  const removePassphrase = h('button', { type: 'button', class: 'secondary', 'data-testid': 'srt-remove-passphrase' }, 'Remove passphrase');
  const error = h('p', { class: 'error', role: 'alert', 'data-testid': 'srt-error' });
  const notice = h('p', { class: 'muted small', 'data-testid': 'srt-notice' });
  let shown: Stream['srt'] | undefined;

  const show = (srt: Stream['srt']) => {
    const changed = JSON.stringify(srt) !== JSON.stringify(shown);
    shown = srt;
    status.textContent = `${srt.passphraseSet ? `Passphrase set (AES-${(srt.keyLength ?? 16) * 8})` : 'No passphrase (unencrypted)'} · latency ${
      srt.latencyMs === null ? 'ingest default' : `${srt.latencyMs} ms`
    }`;
    removePassphrase.hidden = !srt.passphraseSet;
    // Refreshes must not overwrite what the operator is typing; only a real change resets the form.
    if (changed) {
      latency.value = srt.latencyMs === null ? '' : String(srt.latencyMs);
      if (srt.keyLength) keyLength.value = String(srt.keyLength);
    }
  };
  const apply = async (change: SrtSettingsUpdate, message: string) => {
    const stream = await api.updateSrt(id, change);
    passphrase.value = '';
    show(stream.srt);
    notice.textContent = `${message} Applies from the next SRT publish; rotate the key to see the SRT URL with it.`;
  };

  const form = h(
    'form',
    { 'data-testid': 'srt-settings' },
    status,
    h(
      'div',
      { class: 'row' },
      h('label', { class: 'grow' }, 'New passphrase', passphrase),
      h('label', {}, 'Key length', keyLength),
      h('label', {}, 'Latency (ms)', latency),
    ),
    h('div', { class: 'row' }, save, removePassphrase),
    error,
    notice,
  );
  onSubmit(form, save, error, async () => {
    const change: SrtSettingsUpdate = { latencyMs: latency.value ? Number(latency.value) : null };
    if (passphrase.value) change.passphrase = passphrase.value;
    if (passphrase.value || shown?.passphraseSet) change.keyLength = Number(keyLength.value) as 16 | 24 | 32;
    await apply(change, 'Saved.');
  });
  removePassphrase.addEventListener('click', () => {
    error.textContent = '';
    apply({ passphrase: null }, 'Passphrase removed.').catch((e: unknown) => (error.textContent = (e as Error).message));
  });
  return { element: h('section', { class: 'card' }, h('h2', {}, 'SRT'), form), update: (stream) => show(stream.srt) };
}

/** RTT, loss, retransmits, drops, bandwidth, buffer and latency of a live SRT publisher; hidden otherwise. */
export function srtLinkPanel(): { element: HTMLElement; update(stream: Stream): void } {
  const dl = h('dl', { class: 'stats', 'data-testid': 'srt-link' });
  const element = h('section', { class: 'card', 'data-testid': 'srt-link-panel', hidden: true }, h('h2', {}, 'SRT link'), dl);
  return {
    element,
    update(stream) {
      const link = stream.state?.link ?? null;
      element.hidden = link === null;
      if (link) replaceChildren(dl, ...linkRows(link).flatMap(([k, id, v]) => [h('dt', {}, k), h('dd', { 'data-testid': `link-${id}` }, v)]));
    },
  };
}

function linkRows(l: SrtLink): Array<[string, string, string]> {
  const pct = (n: number) => (l.packetsReceived > 0 ? ` (${((100 * n) / (l.packetsReceived + n)).toFixed(2)} %)` : '');
  return [
    ['RTT', 'rtt', `${l.rttMs.toFixed(1)} ms`],
    ['Lost', 'lost', `${l.packetsLost}${pct(l.packetsLost)}`],
    ['Retransmitted', 'retransmitted', String(l.packetsRetransmitted)],
    ['Dropped', 'dropped', `${l.packetsDropped}${pct(l.packetsDropped)}`],
    ['Receive rate', 'receive-rate', formatBitrate(l.receiveRateKbps)],
    ['Link bandwidth', 'bandwidth', formatBitrate(l.bandwidthKbps)],
    ['Receive buffer', 'buffer', `${Math.round(l.receiveBufferMs)} ms`],
    ['Latency', 'latency', `${l.latencyMs} ms`],
    ['Packets received', 'received', String(l.packetsReceived)],
  ];
}
