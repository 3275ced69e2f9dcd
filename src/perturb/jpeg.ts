/**
 * JPEG compression: each image is quantised to 8 bits (round(x * 255)), encoded by sharp (libvips)
 * at the given quality with 4:2:0 chroma subsampling and libvips' defaults otherwise, decoded,
 * and brought back to float [0,1] in the input's layout. Greyscale images are encoded as
 * greyscale JPEGs and stay 1 channel. The codec is recorded by `jpegCodec()`.
 */
import { sharp } from '../util/sharp.js';
import { UserError } from '../errors.js';

export interface JpegCodec {
  /** The JPEG library inside sharp's libvips: mozjpeg (run in libjpeg-turbo mode by libvips) or libjpeg-turbo. */
  library: string;
  version: string;
  vips: string;
  sharp: string;
  chromaSubsampling: '4:2:0';
  /** One line for run files: `mozjpeg 0826579 (libvips 8.17.3, sharp 0.34.5), 4:2:0`. */
  id: string;
}

let codec: JpegCodec | undefined;

export function jpegCodec(): JpegCodec {
  if (codec) return codec;
  const v = sharp().versions as Record<string, string | undefined>;
  const library = v.mozjpeg ? 'mozjpeg' : v.jpeg ? 'libjpeg-turbo' : 'libjpeg (system libvips)';
  const version = v.mozjpeg ?? v.jpeg ?? 'unknown';
  const vips = v.vips ?? 'unknown';
  const sharpVersion = v.sharp ?? 'unknown';
  codec = {
    library, version, vips, sharp: sharpVersion, chromaSubsampling: '4:2:0',
    id: `${library} ${version} (libvips ${vips}, sharp ${sharpVersion}), 4:2:0`,
  };
  return codec;
}

/** Round trip of a (N,C,H,W) float batch (C 1 or 3) through JPEG at `quality`. */
export async function jpegBatch(data: Float32Array, shape: readonly number[], quality: number): Promise<Float32Array> {
  const [n, c, h, w] = shape;
  if (c !== 1 && c !== 3) throw new UserError(`jpeg needs images with 1 or 3 channels, got ${c} (shape [${shape.join(', ')}])`);
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) throw new UserError(`jpeg quality must be an integer in [1, 100], got ${quality}`);
  const plane = h * w;
  const out = new Float32Array(n * c * plane);
  await Promise.all(Array.from({ length: n }, async (_, i) => {
    const base = i * c * plane;
    const px = Buffer.allocUnsafe(c * plane);
    for (let p = 0; p < plane; p++) {
      for (let k = 0; k < c; k++) {
        const v = data[base + k * plane + p];
        px[p * c + k] = Math.round((v > 1 ? 1 : v > 0 ? v : 0) * 255);
      }
    }
    const encoded = await sharp()(px, { raw: { width: w, height: h, channels: c as 1 | 3 } })
      .jpeg({ quality, chromaSubsampling: '4:2:0' })
      .toBuffer();
    let decoder = sharp()(encoded);
    decoder = c === 1 ? decoder.toColourspace('b-w') : decoder.removeAlpha().toColourspace('srgb');
    const { data: dec, info } = await decoder.raw().toBuffer({ resolveWithObject: true });
    if (info.width !== w || info.height !== h || (info.channels !== c && info.channels < c)) {
      throw new Error(`jpeg round trip changed the image: ${w}x${h}x${c} came back ${info.width}x${info.height}x${info.channels}`);
    }
    const stride = info.channels;
    for (let p = 0; p < plane; p++) {
      for (let k = 0; k < c; k++) out[base + k * plane + p] = dec[p * stride + k] / 255;
    }
  }));
  return out;
}
