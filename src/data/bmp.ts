/**
 * A minimal BMP decoder, because sharp's bundled libvips reads no BMP at all. It covers the
 * uncompressed variants that occur in practice: 1/4/8-bit palettes, 16/24/32-bit BI_RGB and
 * 16/32-bit BI_BITFIELDS. Anything else (RLE, embedded JPEG/PNG) throws with a reason, which
 * the folder reader records as that sample's error.
 */
export interface RawRgb { width: number; height: number; data: Uint8Array }

export function isBmp(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x42 && buf[1] === 0x4d; // "BM"
}

/** Maps a bit-field channel value to 0..255. */
function channelReader(mask: number): (px: number) => number {
  if (mask === 0) return () => 0;
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  const max = mask >>> shift;
  return (px) => Math.round((((px & mask) >>> shift) * 255) / max);
}

export function decodeBmp(buf: Buffer): RawRgb {
  if (!isBmp(buf) || buf.length < 26) throw new Error('not a BMP file, or its header is truncated');
  const pixelOffset = buf.readUInt32LE(10);
  const dib = buf.readUInt32LE(14);
  const core = dib === 12; // OS/2 BITMAPCOREHEADER: 16-bit sizes, 3-byte palette entries
  if (!core && buf.length < 54) throw new Error('BMP header is truncated');
  const width = core ? buf.readUInt16LE(18) : buf.readInt32LE(18);
  const rawHeight = core ? buf.readInt16LE(20) : buf.readInt32LE(22);
  const bpp = buf.readUInt16LE(core ? 24 : 28);
  const compression = core ? 0 : buf.readUInt32LE(30);
  const height = Math.abs(rawHeight);
  if (width <= 0 || height === 0) throw new Error(`BMP has invalid size ${width}x${rawHeight}`);
  const bitfields = compression === 3 || compression === 6;
  if (!(compression === 0 || (bitfields && (bpp === 16 || bpp === 32)))) {
    throw new Error(`unsupported BMP variant (compression ${compression}, ${bpp} bits per pixel); convert it to PNG`);
  }
  const stride = Math.ceil((width * bpp) / 32) * 4;
  if (pixelOffset + stride * height > buf.length) throw new Error('BMP pixel data is truncated');

  const used = core ? 0 : buf.readUInt32LE(46); // 0 means a full 2^bpp palette
  const palette = bpp <= 8 ? readPalette(buf, 14 + dib, core ? 3 : 4, used || 1 << bpp) : null;
  const masks = bitfields
    ? [buf.readUInt32LE(54), buf.readUInt32LE(58), buf.readUInt32LE(62)]
    : bpp === 16 ? [0x7c00, 0x03e0, 0x001f] : [0xff0000, 0x00ff00, 0x0000ff];
  const [rd, gd, bd] = masks.map(channelReader);

  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    // Positive height means rows are stored bottom-up.
    const row = pixelOffset + (rawHeight > 0 ? height - 1 - y : y) * stride;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      if (palette) {
        const bit = x * bpp;
        const idx = (buf[row + (bit >> 3)] >> (8 - bpp - (bit & 7))) & ((1 << bpp) - 1);
        out.set(palette.subarray(idx * 3, idx * 3 + 3), o);
      } else if (bpp === 24 && !bitfields) {
        const p = row + x * 3;
        out[o] = buf[p + 2]; out[o + 1] = buf[p + 1]; out[o + 2] = buf[p];
      } else {
        const px = bpp === 16 ? buf.readUInt16LE(row + x * 2) : buf.readUInt32LE(row + x * 4);
        out[o] = rd(px); out[o + 1] = gd(px); out[o + 2] = bd(px);
      }
    }
  }
  return { width, height, data: out };
}

/** Palette entries are B, G, R[, reserved]; returned as packed RGB. */
function readPalette(buf: Buffer, at: number, entry: number, count: number): Uint8Array {
  const pal = new Uint8Array(count * 3);
  for (let k = 0; k < count && at + k * entry + 2 < buf.length; k++) {
    pal[k * 3] = buf[at + k * entry + 2];
    pal[k * 3 + 1] = buf[at + k * entry + 1];
    pal[k * 3 + 2] = buf[at + k * entry];
  }
  return pal;
}
