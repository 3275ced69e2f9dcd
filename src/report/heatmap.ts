/**
 * Heatmap images for people: a map reduced over channels, scaled per map, coloured (a diverging
 * blue-white-red scale for signed maps, white-to-red for non-negative ones), blended over the
 * image in grey. Plain RGB bytes; callers encode them (sharp).
 */

/** (C,H,W) -> (H,W) by summing channels: SPEC.md's default channel reduction. */
export function reduceChannels(map: Float32Array, c: number, h: number, w: number): Float32Array {
  if (c === 1) return map;
  const out = new Float32Array(h * w);
  for (let k = 0; k < c; k++) for (let i = 0; i < h * w; i++) out[i] += map[k * h * w + i];
  return out;
}

/** An image (C,H,W) in [0,1] as grey (H,W). */
export function grey(image: Float32Array, c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(h * w);
  for (let k = 0; k < c; k++) for (let i = 0; i < h * w; i++) out[i] += image[k * h * w + i] / c;
  return out;
}

/** RGB of value v in [-1, 1] (signed) or [0, 1]. */
function colour(v: number, signed: boolean): [number, number, number] {
  if (!Number.isFinite(v)) return [0, 0, 0];
  if (signed && v < 0) { const t = Math.min(1, -v); return [255 * (1 - t), 255 * (1 - t), 255]; }
  const t = Math.min(1, Math.max(0, v));
  return [255, 255 * (1 - t), 255 * (1 - t)];
}

/**
 * RGB bytes (H*W*3) of a map over the image: alpha 0.6 heat over the grey image. Signed maps are
 * scaled by their largest magnitude (0 stays white); non-negative ones min-max (RISE-like maps
 * are all positive and differ only a little).
 */
export function overlay(map: Float32Array, image: Float32Array | null, h: number, w: number): Uint8Array {
  let lo = Infinity, hi = -Infinity;
  for (const v of map) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  const signed = lo < 0;
  const scale = (signed ? Math.max(-lo, hi) : hi - lo) || 1;
  const shift = signed ? 0 : lo;
  const out = new Uint8Array(h * w * 3);
  for (let i = 0; i < h * w; i++) {
    const [r, g, b] = colour((map[i] - shift) / scale, signed);
    const base = image ? image[i] * 255 : 255;
    const a = image ? 0.6 : 1;
    out[i * 3] = a * r + (1 - a) * base;
    out[i * 3 + 1] = a * g + (1 - a) * base;
    out[i * 3 + 2] = a * b + (1 - a) * base;
  }
  return out;
}

/** The image itself as RGB bytes (grey images repeated over the three channels). */
export function imageRgb(image: Float32Array, c: number, h: number, w: number): Uint8Array {
  const out = new Uint8Array(h * w * 3);
  for (let i = 0; i < h * w; i++) for (let k = 0; k < 3; k++) {
    const v = image[(c === 3 ? k : 0) * h * w + i];
    out[i * 3 + k] = Math.round(Math.min(1, Math.max(0, v)) * 255);
  }
  return out;
}
