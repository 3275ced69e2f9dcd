/** A gallery strip: image, perturbed image, clean map, aligned twin map, side by side, as PNG bytes. */
import { grey, imageRgb, overlay, reduceChannels } from './heatmap.js';
import { encodePng } from './png.js';

export function galleryStrip(image: Float32Array, perturbed: Float32Array, [c, h, w]: number[], map: Float32Array, twin: Float32Array, [mc, mh, mw]: number[]): Uint8Array {
  const scale = Math.max(1, Math.floor(96 / Math.max(h, w)));
  const sameSize = mh === h && mw === w;
  const tiles = [
    imageRgb(image, c, h, w), imageRgb(perturbed, c, h, w),
    sameSize ? overlay(reduceChannels(map, mc, mh, mw), grey(image, c, h, w), h, w) : overlay(reduceChannels(map, mc, mh, mw), null, mh, mw),
    sameSize ? overlay(reduceChannels(twin, mc, mh, mw), grey(image, c, h, w), h, w) : overlay(reduceChannels(twin, mc, mh, mw), null, mh, mw),
  ];
  const sizes = [[h, w], [h, w], [mh, mw], [mh, mw]];
  const gap = 2, th = h * scale, tw = w * scale, W = 4 * tw + 5 * gap, H = th + 2 * gap;
  const out = new Uint8Array(W * H * 3).fill(255);
  tiles.forEach((t, k) => {
    const [sh, sw] = sizes[k];
    for (let y = 0; y < th; y++) for (let x = 0; x < tw; x++) {
      const src = (Math.floor((y * sh) / th) * sw + Math.floor((x * sw) / tw)) * 3, dst = ((gap + y) * W + gap + k * (tw + gap) + x) * 3;
      out[dst] = t[src]; out[dst + 1] = t[src + 1]; out[dst + 2] = t[src + 2];
    }
  });
  return encodePng(out, W, H);
}
