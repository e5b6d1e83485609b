import type { Api, Stream } from '../api';
import { h } from '../dom';
import { playFlv } from '../players/flv-player';
import { playHls } from '../players/hls-player';
import { PlaybackUnavailableError, type Player, type PlayerCallbacks, type PlayerKind } from '../players/player';
import { playWhep } from '../players/whep-player';
import { QualityIndicator } from './quality-indicator';

const TOKEN_TTL_S = 3600;
const RETRY_MS = 2000;
const LABELS: Record<PlayerKind, string> = { flv: 'HTTP-FLV', hls: 'HLS', whep: 'WebRTC (WHEP)' };
const ENGINES: Record<PlayerKind, string> = { flv: 'mpegts.js', hls: 'hls.js', whep: 'WHEP' };

/** The operator's last choice, for this tab: whoever watches HLS keeps HLS from one stream page to the next. */
const KIND_STORAGE = 'mediaplane.playerKind';

function rememberedKind(): PlayerKind {
  const kind = sessionStorage.getItem(KIND_STORAGE);
  return kind === 'hls' || kind === 'whep' ? kind : 'flv';
}

type PlayerState = 'waiting' | 'connecting' | 'playing' | 'retrying' | 'unavailable' | 'offline';

/**
 * The stream page's player: starts when the stream is live, stops when it
 * ends, restarts after errors, fetches a playback token first for private
 * streams, shows the HLS level, and says plainly when a protocol is not
 * served here instead of showing a black box that keeps retrying.
 */
export class LivePlayer {
  readonly element: HTMLElement;
  readonly video: HTMLVideoElement;
  private readonly status: HTMLElement;
  private readonly unavailable: HTMLElement;
  private readonly unavailableTitle: HTMLElement;
  private readonly unavailableDetail: HTMLElement;
  private readonly quality: QualityIndicator;
  private kind: PlayerKind = rememberedKind();
  private player?: Player;
  private starting = false;
  private retryAt = 0;
  /** Bumped whenever the current player is given up, so late callbacks of an old one are ignored. */
  private generation = 0;
  private blocked = false;
  private live = false;
  private stream?: Stream;
  /** WebRTC only: unticked, the SFU sends the tracks as two streams and the browser shows the picture without waiting for the sound. */
  private lipSync = true;

  constructor(private readonly api: Api) {
    this.video = h('video', { controls: true, muted: true, autoplay: true, playsinline: true, 'data-testid': 'player' });
    this.video.muted = true;
    this.status = h('p', { class: 'muted', 'data-testid': 'player-status', role: 'status' }, 'Waiting for the stream…');
    this.unavailableTitle = h('strong', {});
    this.unavailableDetail = h('span', { class: 'muted small', 'data-testid': 'player-unavailable-detail' });
    const retry = h('button', { type: 'button', class: 'secondary', 'data-testid': 'player-unavailable-retry' }, 'Try again');
    retry.addEventListener('click', () => this.choose(this.kind));
    this.unavailable = h(
      'div',
      { class: 'player-unavailable', 'data-testid': 'player-unavailable', role: 'alert', hidden: true },
      this.unavailableTitle,
      this.unavailableDetail,
      h('span', { class: 'small' }, 'Choose HLS or HTTP-FLV below to watch this stream.'),
      retry,
    );
    this.quality = new QualityIndicator((index) => this.player?.setLevel?.(index));
    const choices = (['flv', 'hls', 'whep'] as const).map((kind) => {
      const input = h('input', { type: 'radio', name: 'player-kind', value: kind, checked: kind === this.kind, 'data-testid': `player-kind-${kind}` });
      input.addEventListener('change', () => this.choose(kind));
      return h('label', { class: 'check' }, input, LABELS[kind]);
    });
    const lipSync = h('input', { type: 'checkbox', checked: this.lipSync, 'data-testid': 'player-lipsync' });
    lipSync.addEventListener('change', () => {
      this.lipSync = lipSync.checked;
      if (this.kind === 'whep') this.choose('whep');
    });
    const lipSyncChoice = h(
      'label',
      { class: 'check', title: 'Unticked, WebRTC shows each frame at once instead of holding it for the sound, which then trails the picture' },
      lipSync,
      'Lip sync (WebRTC)',
    );
    this.element = h(
      'section',
      { class: 'card player', 'data-testid': 'player-card' },
      h('div', { class: 'stage' }, this.video, this.unavailable),
      h('div', { class: 'row player-controls' }, ...choices, lipSyncChoice),
      this.quality.element,
      this.status,
    );
    this.setState('waiting');
  }

  /** Called on every poll with the latest stream view. */
  update(stream: Stream): void {
    this.stream = stream;
    this.live = stream.live;
    if (this.blocked) return;
    if (!stream.live) {
      if (this.player || this.starting) this.stop();
      this.show('offline', 'The stream is offline.');
      return;
    }
    if (!this.player && !this.starting && Date.now() >= this.retryAt) void this.start();
  }

  destroy(): void {
    this.live = false;
    this.stop();
  }

  private choose(kind: PlayerKind): void {
    this.kind = kind;
    sessionStorage.setItem(KIND_STORAGE, kind);
    this.blocked = false;
    this.unavailable.hidden = true;
    this.video.hidden = false;
    this.stop();
    this.show('waiting', 'Switching…');
    this.retryAt = 0;
    if (this.stream) this.update(this.stream);
  }

  private async start(): Promise<void> {
    const stream = this.stream;
    if (!stream) return;
    const kind = this.kind;
    const generation = this.generation;
    const current = () => generation === this.generation;
    this.starting = true;
    this.show('connecting', `Connecting (${LABELS[kind]})…`);
    const callbacks: PlayerCallbacks = {
      onError: (message) => {
        if (current()) this.fail(message);
      },
      onQuality: (quality) => {
        if (current()) this.quality.show(quality);
      },
      isCurrent: current,
    };
    try {
      const urls = stream.private ? (await this.api.playbackToken(stream.id, TOKEN_TTL_S)).playback : stream.playback;
      if (!current()) return;
      const player =
        kind === 'flv'
          ? await playFlv(this.video, urls.flv, callbacks)
          : kind === 'hls'
            ? await playHls(this.video, urls.hls, callbacks)
            : await playWhep(this.video, this.lipSync ? urls.whep : withoutLipSync(urls.whep), callbacks);
      if (!current() || !this.live) {
        player.destroy();
        return;
      }
      this.player = player;
      this.show('playing', `Playing over ${LABELS[kind]} (${ENGINES[kind]}).`);
    } catch (e) {
      if (!current()) return;
      if (e instanceof PlaybackUnavailableError) this.block(e);
      else this.fail((e as Error).message);
    } finally {
      if (current()) this.starting = false;
    }
  }

  /** No retries until the operator asks (Try again) or picks another protocol. */
  private block(error: PlaybackUnavailableError): void {
    this.stop();
    this.blocked = true;
    this.unavailableTitle.textContent = `${error.message}.`;
    this.unavailableDetail.textContent = `(${error.detail})`;
    this.video.hidden = true;
    this.unavailable.hidden = false;
    this.show('unavailable', `${error.message}.`);
  }

  private fail(message: string): void {
    this.stop();
    this.show('retrying', `${message} — retrying…`);
    this.retryAt = Date.now() + RETRY_MS;
  }

  private stop(): void {
    this.generation++;
    this.starting = false;
    const player = this.player;
    this.player = undefined;
    player?.destroy();
    this.quality.hide();
  }

  private show(state: PlayerState, message: string): void {
    this.setState(state);
    this.status.textContent = message;
  }

  private setState(state: PlayerState): void {
    this.element.dataset['state'] = state;
    this.element.dataset['kind'] = this.kind;
  }
}

/** The WHEP URL with `lipsync=false` added to whatever query it has (a private stream's token). */
function withoutLipSync(whepUrl: string): string {
  const url = new URL(whepUrl, location.href);
  url.searchParams.set('lipsync', 'false');
  return url.toString();
}
