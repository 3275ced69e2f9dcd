/**
 * A grid of equally sized RGB tiles, upscaled by an integer factor (nearest), under a row of
 * column titles, as a PNG via sharp (titles drawn as SVG text).
 */
import { sharp } from '../util/sharp.js';
import { escapeXml } from '../util/escape.js';

const TITLE = 18;

export async function gridPng(tiles: Uint8Array[][], h: number, w: number, scale: number, path: string, titles: string[] = []): Promise<void> {
  const rows = tiles.length, cols = Math.max(...tiles.map((r) => r.length));
  const gap = 2, th = h * scale, tw = w * scale, top = titles.length ? TITLE : 0;
  const W = cols * (tw + gap) + gap, H = rows * (th + gap) + gap + top;
  const out = new Uint8Array(W * H * 3).fill(255);
  tiles.forEach((row, r) => row.forEach((tile, c) => {
    const x0 = gap + c * (tw + gap), y0 = top + gap + r * (th + gap);
    for (let y = 0; y < th; y++) for (let x = 0; x < tw; x++) {
      const src = (Math.floor(y / scale) * w + Math.floor(x / scale)) * 3, dst = ((y0 + y) * W + x0 + x) * 3;
      out[dst] = tile[src]; out[dst + 1] = tile[src + 1]; out[dst + 2] = tile[src + 2];
    }
  }));
  const text = titles.map((t, c) => `<text x="${gap + c * (tw + gap) + tw / 2}" y="${TITLE - 5}" font-family="sans-serif" font-size="${Math.min(12, Math.floor((tw * 1.6) / Math.max(1, t.length)))}" text-anchor="middle">${escapeXml(t)}</text>`).join('');
  const svg = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${text}</svg>`);
  await sharp()(Buffer.from(out.buffer), { raw: { width: W, height: H, channels: 3 } })
    .composite(titles.length ? [{ input: svg, top: 0, left: 0 }] : [])
    .png().toFile(path);
}
