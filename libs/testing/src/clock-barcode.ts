/**
 * A wall clock burned into the picture as a barcode, read back where the
 * picture is shown: glass-to-glass latency = reader's clock − the clock in
 * the frame (both on this machine's clock). 32 bits, one 20x40 px block per
 * bit (bit k is block k from the left, white = 1), in the top-left corner of
 * a 1280x720 picture; the value is floor(now / unitMs) mod 10^9, so it wraps
 * long after any latency it measures. The HLS bench burns it in with FFmpeg
 * (unit 10 ms), the SFU bench draws it into a canvas (unit 1 ms).
 */
export const BARCODE = { bits: 32, block: 20, width: 1280, height: 720 } as const;

const MODULUS = 1_000_000_000;

/** The value a frame drawn at `nowMs` carries. */
export function clockValue(nowMs: number, unitMs: number): number {
  return Math.floor(nowMs / unitMs) % MODULUS;
}

/**
 * Latency of a frame carrying `value`, seen at `nowMs`; undefined for a
 * misread barcode (a blurred block gives nonsense: a real latency is
 * positive and below a minute).
 */
export function barcodeLatencyMs(value: number, nowMs: number, unitMs: number): number | undefined {
  const latency = ((((clockValue(nowMs, unitMs) - value) % MODULUS) + MODULUS) % MODULUS) * unitMs;
  return latency >= 0 && latency < 60_000 ? latency : undefined;
}

/** FFmpeg lavfi source of the barcode (overlay it at 0:0), its clock starting at `startSeconds` (centiseconds, unit 10 ms). */
export function ffmpegBarcodeSource(startSeconds: number, fps = 30): string {
  const { bits, block } = BARCODE;
  return `color=c=black:s=${bits * block}x${2 * block}:r=${fps},format=yuv420p,geq=lum='255*mod(floor((T+${startSeconds})*100/pow(2\\,floor(X/${block})))\\,2)':cb=128:cr=128`;
}

/**
 * An FFmpeg filter chain (for -vf: one video in, one out) that burns the WALL
 * clock (unit 1 ms, `clockValue(Date.now(), 1)`) into a w x h picture as the
 * barcode, scaled to the picture (half its width, 40/720 of its height) so the
 * page reader finds it at any size. The frames' timestamps are set to the
 * real-time clock (RTCTIME, µs) when the filter runs, so the band cropped from
 * the picture is drawn by geq from that time (geq over the small band only:
 * over the whole picture it would cost a core), then the timestamps start at 0
 * again. With a paced input (-re) that is the moment the frame was "captured".
 */
export function ffmpegWallClockBarcodeFilter(width: number, height: number): string {
  const { bits, block } = BARCODE;
  const bandW = Math.max(bits * 2, Math.round((width * bits * block) / BARCODE.width / 2) * 2);
  const bandH = Math.max(2, Math.round((height * 2 * block) / BARCODE.height / 2) * 2);
  const blockW = bandW / bits;
  const lum = `255*mod(floor(mod(floor(T*1000)\\,${MODULUS})/pow(2\\,floor(X/${blockW})))\\,2)`;
  return [
    'settb=1/1000000,setpts=RTCTIME,split[mpclk_pic][mpclk_cut]',
    `[mpclk_cut]crop=${bandW}:${bandH}:0:0,geq=lum='${lum}':cb=128:cr=128[mpclk_bar]`,
    '[mpclk_pic][mpclk_bar]overlay=0:0,setpts=PTS-STARTPTS',
  ].join(';');
}

/**
 * Browser side, as plain JavaScript injected into a page (the workspace
 * compiles without the DOM library): `window.mpClockBarcode.draw(ctx2d, value)`
 * paints the barcode; `read(source, w, h)` copies the top band of a video element of w x h
 * (its intrinsic size) into a scratch canvas and decodes the barcode, scaled to that size.
 */
export const CLOCK_BARCODE_PAGE_SCRIPT = `
window.mpClockBarcode = (() => {
  const { bits, block, width, height } = ${JSON.stringify(BARCODE)};
  let scratch;
  return {
    draw(ctx, value) {
      ctx.fillStyle = '#000';
      ctx.fillRect(0, 0, bits * block, 2 * block);
      ctx.fillStyle = '#fff';
      for (let k = 0; k < bits; k++) if (Math.floor(value / Math.pow(2, k)) % 2 === 1) ctx.fillRect(k * block, 0, block, 2 * block);
    },
    read(source, w, h) {
      // Only the band holding the barcode is copied out of the frame.
      const band = Math.max(1, Math.ceil((2 * block / height) * h));
      scratch = scratch || document.createElement('canvas');
      if (scratch.width !== w) scratch.width = w;
      if (scratch.height !== band) scratch.height = band;
      const ctx = scratch.getContext('2d', { willReadFrequently: true });
      ctx.drawImage(source, 0, 0, w, band, 0, 0, w, band);
      const row = ctx.getImageData(0, Math.min(band - 1, Math.round((block / height) * h)), w, 1).data;
      let value = 0;
      for (let k = bits - 1; k >= 0; k--) {
        const x = Math.round(((block * k + block / 2) / width) * w);
        value = value * 2 + ((row[x * 4] || 0) > 128 ? 1 : 0);
      }
      return value;
    },
  };
})();
`;
