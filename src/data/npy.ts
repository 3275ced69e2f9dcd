/**
 * Tensor datasets: `npy:IMAGES.npy[,LABELS.npy]`. Images are float32 in [0, 1] or uint8, of shape
 * (N,C,H,W) or (N,H,W,C) with C 1 or 3: the layout is decided from the shape (the dimension that
 * is 1 or 3) and said in the dataset's name; a shape where both readings fit needs `layout`.
 * Samples are read from the file as batches ask for them, never the whole file at once; float
 * files are scanned once at open, chunk by chunk, for values outside [0, 1].
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { resolve } from 'node:path';
import { InputFileError, UserError } from '../errors.js';
import { checkNpyLength, parseNpyHeader, readNpy, type NpyHeader } from '../util/npy.js';
import { readProblem } from './files.js';
import { indexedDataset } from './indexed.js';
import type { Dataset, Layout } from './types.js';

const SCAN_BYTES = 1 << 24;

function openFile(path: string): number {
  try {
    return openSync(path, 'r');
  } catch (e) {
    throw new InputFileError(path, `cannot read the image array: ${readProblem(e)}`);
  }
}

function header(path: string, fd: number): NpyHeader {
  const head = Buffer.alloc(Math.min(65536, fstatSync(fd).size));
  readSync(fd, head, 0, head.length, 0);
  const h = parseNpyHeader(path, head);
  checkNpyLength(path, fstatSync(fd).size, h);
  return h;
}

/** The layout of an image array's shape: the dimension holding 1 or 3 channels, or `given`. */
export function decideLayout(path: string, shape: number[], given?: Layout): Layout {
  if (shape.length !== 4) throw new InputFileError(path, `has shape (${shape.join(', ')}), rank ${shape.length}; expected images of rank 4, (N,C,H,W) or (N,H,W,C)`);
  const first = shape[1] === 1 || shape[1] === 3, last = shape[3] === 1 || shape[3] === 3;
  if (given) {
    if (!(given === 'nchw' ? first : last)) throw new InputFileError(path, `has shape (${shape.join(', ')}), whose ${given === 'nchw' ? 'second' : 'last'} dimension is not 1 or 3 channels as --layout ${given} says`);
    return given;
  }
  if (first && last) throw new InputFileError(path, `has shape (${shape.join(', ')}), which reads as (N,C,H,W) and as (N,H,W,C) alike`, 'say which with --layout nchw or --layout nhwc');
  if (!first && !last) throw new InputFileError(path, `has shape (${shape.join(', ')}): neither its second nor its last dimension is 1 or 3 channels`);
  return first ? 'nchw' : 'nhwc';
}

function scanRange(path: string, fd: number, h: NpyHeader, count: number): void {
  const values = new Float32Array(SCAN_BYTES / 4);
  const buf = Buffer.from(values.buffer);
  const total = count * (h.bytes / h.shape[0]);
  for (let at = 0; at < total; at += SCAN_BYTES) {
    const len = Math.min(SCAN_BYTES, total - at);
    readSync(fd, buf, 0, len, h.start + at);
    for (let j = 0; j < len / 4; j++) {
      const v = values[j];
      if (!(v >= 0 && v <= 1)) throw new InputFileError(path, `holds ${v} at flat index ${at / 4 + j}; float32 images must lie in [0, 1] (uint8 images are divided by 255)`);
    }
  }
}

function readLabels(path: string, count: number): Int32Array {
  const a = readNpy(path);
  if (a.shape.length !== 1 || a.shape[0] !== count) throw new InputFileError(path, `has shape (${a.shape.join(', ')}); expected (${count},), one label per image`);
  if (a.dtype === 'float32' || a.dtype === 'float64') throw new InputFileError(path, `holds ${a.dtype}; labels must be integers (int64, int32 or uint8)`);
  return Int32Array.from(a.data as ArrayLike<number | bigint>, (v) => Number(v));
}

export function openNpy(imagesPath: string, labelsPath: string | undefined, o: { n?: number; layout?: Layout }): Dataset {
  const path = resolve(imagesPath);
  const fd = openFile(path);
  let h: NpyHeader, layout: Layout, size: number, labels: Int32Array | null;
  try {
    h = header(path, fd);
    if (h.dtype !== 'float32' && h.dtype !== 'uint8') throw new InputFileError(path, `holds ${h.dtype}; images must be float32 in [0, 1] or uint8`);
    layout = decideLayout(path, h.shape, o.layout);
    size = Math.min(h.shape[0], o.n ?? h.shape[0]);
    if (size < 1) throw new UserError(`${path} holds no images`);
    if (h.dtype === 'float32') scanRange(path, fd, h, size);
    labels = labelsPath === undefined ? null : readLabels(resolve(labelsPath), h.shape[0]);
  } catch (e) {
    closeSync(fd);  // a file that is refused is not kept open
    throw e;
  }
  const [c, hh, w] = layout === 'nchw' ? h.shape.slice(1) : [h.shape[3], h.shape[1], h.shape[2]];
  const per = c * hh * w, bytes = per * (h.dtype === 'float32' ? 4 : 1);
  const raw = Buffer.alloc(bytes);
  const f32 = new Float32Array(raw.buffer, raw.byteOffset, h.dtype === 'float32' ? per : 0);
  return indexedDataset({
    name: `npy:${path}${labelsPath ? `,${resolve(labelsPath)}` : ''} (${layout})`,
    size, shape: [c, hh, w], classes: null, idPrefix: 'npy',
    label: (i) => labels?.[i] ?? -1,
    write: (i, dst, offset) => {
      readSync(fd, raw, 0, bytes, h.start + i * bytes);
      // CHW order out of either layout; uint8 as v / 255, as the other readers.
      for (let k = 0; k < c; k++) {
        for (let p = 0; p < hh * w; p++) {
          const src = layout === 'nchw' ? k * hh * w + p : p * c + k;
          dst[offset + k * hh * w + p] = h.dtype === 'float32' ? f32[src] : raw[src] / 255;
        }
      }
    },
  });
}
