/** A small line chart of the stream's bitrate over the last samples, drawn on a canvas. */
export class BitrateChart {
  readonly element: HTMLCanvasElement;
  private readonly samples: number[] = [];

  constructor(
    private readonly maxSamples = 90,
    width = 360,
    height = 90,
  ) {
    this.element = document.createElement('canvas');
    this.element.width = width * devicePixelRatio;
    this.element.height = height * devicePixelRatio;
    this.element.className = 'bitrate-chart';
    this.element.setAttribute('data-testid', 'bitrate-chart');
    this.element.setAttribute('aria-label', 'bitrate history');
    this.element.dataset['samples'] = '0';
    this.draw();
  }

  get count(): number {
    return this.samples.length;
  }

  push(kbps: number): void {
    this.samples.push(kbps);
    if (this.samples.length > this.maxSamples) this.samples.shift();
    // For tests and assistive tools: how much history is drawn, and the latest figure.
    this.element.dataset['samples'] = String(this.samples.length);
    this.element.setAttribute('aria-label', `bitrate history, latest ${Math.round(kbps)} kb/s`);
    this.draw();
  }

  private draw(): void {
    const ctx = this.element.getContext('2d');
    if (!ctx) return;
    // Draw at the size the page lays the canvas out at, so lines and labels are not stretched.
    const shownWidth = Math.round(this.element.clientWidth * devicePixelRatio);
    if (shownWidth > 0 && shownWidth !== this.element.width) this.element.width = shownWidth;
    const { width, height } = this.element;
    const pad = 4 * devicePixelRatio;
    ctx.clearRect(0, 0, width, height);
    // Headroom above the peak keeps the line clear of the scale label.
    const top = Math.max(100, ...this.samples) * 1.3;
    ctx.strokeStyle = '#2b3a55';
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (const f of [0.25, 0.5, 0.75]) {
      ctx.moveTo(0, height * f);
      ctx.lineTo(width, height * f);
    }
    ctx.stroke();
    ctx.fillStyle = '#9fb3c8';
    ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
    if (this.samples.length < 2) {
      ctx.fillText('no samples yet', pad, 12 * devicePixelRatio);
      return;
    }
    const step = (width - 2 * pad) / (this.maxSamples - 1);
    const x0 = width - pad - step * (this.samples.length - 1);
    ctx.strokeStyle = '#4fd1c5';
    ctx.lineWidth = 2 * devicePixelRatio;
    ctx.beginPath();
    this.samples.forEach((v, i) => {
      const x = x0 + i * step;
      const y = height - pad - (v / top) * (height - 2 * pad);
      if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    });
    ctx.stroke();
    ctx.fillText(`${Math.round(top)} kb/s`, pad, 12 * devicePixelRatio);
  }
}
