import type { Api, Stream } from '../api';
import { h } from '../dom';
import { playFlv } from '../players/flv-player';
import { playHls } from '../players/hls-player';
import type { Player, PlayerKind } from '../players/player';
import { playWhep } from '../players/whep-player';

const TOKEN_TTL_S = 3600;
const RETRY_MS = 2000;

/**
 * The stream page's player: starts when the stream is live, stops when it
 * ends, restarts after errors, and fetches a playback token first for
 * private streams.
 */
export class LivePlayer {
  readonly element: HTMLElement;
  readonly video: HTMLVideoElement;
  private readonly status: HTMLElement;
  private kind: PlayerKind = 'flv';
  private player?: Player;
  private starting = false;
  private retryAt = 0;
  private live = false;
  private stream?: Stream;

  constructor(private readonly api: Api) {
    this.video = h('video', { controls: true, muted: true, autoplay: true, playsinline: true, 'data-testid': 'player' });
    this.video.muted = true;
    this.status = h('p', { class: 'muted', 'data-testid': 'player-status' }, 'Waiting for the stream…');
    const choices = (['flv', 'hls', 'whep'] as const).map((kind) => {
      const label = { flv: 'HTTP-FLV', hls: 'HLS', whep: 'WebRTC (WHEP)' }[kind];
      const input = h('input', { type: 'radio', name: 'player-kind', value: kind, checked: kind === this.kind, 'data-testid': `player-kind-${kind}` });
      input.addEventListener('change', () => this.choose(kind));
      return h('label', { class: 'check' }, input, label);
    });
    this.element = h('section', { class: 'card player' }, this.video, h('div', { class: 'row' }, ...choices), this.status);
  }

  /** Called on every poll with the latest stream view. */
  update(stream: Stream): void {
    this.stream = stream;
    this.live = stream.live;
    if (!stream.live) {
      if (this.player) this.stop('The stream is offline.');
      else this.status.textContent = 'The stream is offline.';
      return;
    }
    if (!this.player && !this.starting && Date.now() >= this.retryAt) void this.start();
  }

  destroy(): void {
    this.live = false;
    this.stop('');
  }

  private choose(kind: PlayerKind): void {
    this.kind = kind;
    this.stop('Switching…');
    this.retryAt = 0;
    if (this.stream) this.update(this.stream);
  }

  private async start(): Promise<void> {
    const stream = this.stream;
    if (!stream) return;
    this.starting = true;
    this.status.textContent = `Connecting (${this.kind.toUpperCase()})…`;
    try {
      const urls = stream.private ? (await this.api.playbackToken(stream.id, TOKEN_TTL_S)).playback : stream.playback;
      const onError = (message: string) => this.fail(message);
      const player =
        this.kind === 'flv'
          ? await playFlv(this.video, urls.flv, onError)
          : this.kind === 'hls'
            ? await playHls(this.video, urls.hls, onError)
            : await playWhep(this.video, urls.whep, onError);
      if (!this.live) {
        player.destroy();
        return;
      }
      this.player = player;
      this.status.textContent = `Playing over ${this.kind.toUpperCase()}.`;
    } catch (e) {
      this.fail((e as Error).message);
    } finally {
      this.starting = false;
    }
  }

  private fail(message: string): void {
    this.stop(`${message} — retrying…`);
    this.retryAt = Date.now() + RETRY_MS;
  }

  private stop(message: string): void {
    const player = this.player;
    this.player = undefined;
    player?.destroy();
    this.status.textContent = message;
  }
}
