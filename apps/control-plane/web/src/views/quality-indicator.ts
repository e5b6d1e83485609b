import { h, replaceChildren } from '../dom';
import { formatBitrate } from '../format';
import type { QualityInfo, QualityLevel } from '../players/player';

/**
 * The adaptive player's level: which rendition plays now (name, size,
 * bitrate, automatic or pinned) and a menu to pin one or go back to Auto.
 */
export class QualityIndicator {
  readonly element: HTMLElement;
  private readonly label: HTMLElement;
  private readonly select: HTMLSelectElement;
  private shownLevels = '';

  constructor(onChoose: (index: number) => void) {
    this.label = h('span', { class: 'level-label', 'data-testid': 'player-level' }, '—');
    this.select = h('select', { 'data-testid': 'player-level-select', 'aria-label': 'quality level' });
    this.select.addEventListener('change', () => onChoose(Number(this.select.value)));
    this.element = h('div', { class: 'quality', hidden: true }, h('span', { class: 'muted' }, 'Level'), this.label, this.select);
  }

  show(quality: QualityInfo): void {
    this.element.hidden = false;
    const signature = quality.levels.map(describe).join('|');
    if (signature !== this.shownLevels) {
      this.shownLevels = signature;
      replaceChildren(
        this.select,
        h('option', { value: '-1' }, 'Auto'),
        // Highest first, like the renditions table; the value stays the player's own level index.
        ...quality.levels
          .map((level, index) => ({ level, index }))
          .sort((a, b) => b.level.height - a.level.height || b.level.bitrate - a.level.bitrate)
          .map(({ level, index }) => h('option', { value: String(index) }, describe(level))),
      );
    }
    this.select.value = quality.auto ? '-1' : String(quality.current);
    const level = quality.levels[quality.current];
    const mode = quality.auto ? 'auto' : 'pinned';
    this.label.textContent = level
      ? `${level.name} · ${level.width}×${level.height} · ${formatBitrate(level.bitrate / 1000)} (${mode})`
      : `choosing… (${mode})`;
    this.label.dataset['level'] = level?.name ?? '';
    this.label.dataset['width'] = String(level?.width ?? 0);
    this.label.dataset['height'] = String(level?.height ?? 0);
  }

  hide(): void {
    this.element.hidden = true;
    this.shownLevels = '';
    this.label.textContent = '—';
    delete this.label.dataset['level'];
    delete this.label.dataset['width'];
    delete this.label.dataset['height'];
  }
}

function describe(level: QualityLevel): string {
  return `${level.name} — ${level.width}×${level.height}, ${formatBitrate(level.bitrate / 1000)}`;
}
