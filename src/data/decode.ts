/**
 * Decodes one image file to float32 CHW in [0, 1] the way ImageNet evaluation does: resize so
 * the shorter side is `resize` (bilinear), centre-crop `size` x `size`, then 1 or 3 channels.
 * Failures reject with sharp's (or the BMP reader's) message; the folder reader records it.
 */
import { readFile } from 'node:fs/promises';
import type { Sharp } from 'sharp';
import { sharp } from '../util/sharp.js';
import { decodeBmp, isBmp } from './bmp.js';

export interface DecodeOptions {
  size: number;
  resize: number;
  channels: 1 | 3;
}

/** Python's round() (half to even), which torchvision's CenterCrop uses for its offsets. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function centreOffset(full: number, crop: number): number {
  return roundHalfEven((full - crop) / 2);
}

async function openImage(path: string): Promise<Sharp> {
  const buf = await readFile(path);
  if (isBmp(buf)) {
    const { width, height, data } = decodeBmp(buf);
    return sharp()(data, { raw: { width, height, channels: 3 } });
  }
  // failOn 'warning' (sharp's default) is deliberate: a truncated JPEG becomes a reported
  // error rather than an image with a grey lower half that silently skews the results.
  // No .rotate(): EXIF orientation is ignored, as PIL-based reference pipelines do.
  return sharp()(buf, { failOn: 'warning' });
}

export async function decodeImage(path: string, o: DecodeOptions): Promise<Float32Array> {
  const img = await openImage(path);
  const { data, info } = await img
    .resize({ width: o.resize, height: o.resize, fit: 'outside', kernel: 'linear' })
    .toColourspace(o.channels === 1 ? 'b-w' : 'srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return cropToChw(data, info.width, info.height, info.channels, o);
}

/** Centre-crops interleaved HWC uint8 to planar CHW float32 / 255. */
function cropToChw(src: Uint8Array, w: number, h: number, got: number, o: DecodeOptions): Float32Array {
  const want = o.channels;
  // Greyscale sources may come back with one band even when sRGB was asked for: replicate it.
  if (!(got === want || (got === 1 && want === 3))) throw new Error(`decoded to ${got} channels, expected ${want}`);
  if (w < o.size || h < o.size) throw new Error(`resized to ${w}x${h}, smaller than the ${o.size}x${o.size} crop`);
  const left = centreOffset(w, o.size);
  const top = centreOffset(h, o.size);
  const plane = o.size * o.size;
  const out = new Float32Array(want * plane);
  for (let ch = 0; ch < want; ch++) {
    const sc = got === 1 ? 0 : ch;
    for (let y = 0; y < o.size; y++) {
      const rowIn = ((top + y) * w + left) * got + sc;
      const rowOut = ch * plane + y * o.size;
      for (let x = 0; x < o.size; x++) out[rowOut + x] = src[rowIn + x * got] / 255;
    }
  }
  return out;
}
