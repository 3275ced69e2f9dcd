/**
 * IDX files (the MNIST / Fashion-MNIST format): a big-endian header, magic 0x0000TTDD with
 * T the element type (0x08 = uint8) and D the number of dimensions, D uint32 sizes, then the
 * elements. Images are 0x00000803 (N, H, W); labels 0x00000801 (N). Either may be gzipped,
 * which is detected by the gzip magic bytes rather than by the file name.
 */
import { basename } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { InputFileError } from '../errors.js';
import { readInput } from './files.js';
import { indexedDataset, u8ToF32 } from './indexed.js';
import type { Dataset } from './types.js';

const gunzipAsync = promisify(gunzip);
const IMAGES_MAGIC = 0x00000803;
const LABELS_MAGIC = 0x00000801;

/** Reads a whole file, gunzipping when it starts with 1f 8b. */
export async function readMaybeGzip(path: string): Promise<Buffer> {
  const raw = await readInput(path, 'IDX file');
  if (raw.length < 2 || raw[0] !== 0x1f || raw[1] !== 0x8b) return raw;
  try {
    return await gunzipAsync(raw);
  } catch (e) {
    throw new InputFileError(path, `corrupt gzip data (${(e as Error).message}); the file is probably truncated`);
  }
}

interface IdxArray { dims: number[]; data: Uint8Array }

/** Parses and validates an IDX buffer: the expected magic, then a length that matches the dims. */
export function parseIdx(path: string, buf: Buffer, magic: number): IdxArray {
  const ndim = magic & 0xff;
  const what = magic === IMAGES_MAGIC ? 'an IDX image file (uint8, 3-D)' : 'an IDX label file (uint8, 1-D)';
  const hex = (v: number) => `0x${v.toString(16).padStart(8, '0')}`;
  if (buf.length < 4) throw new InputFileError(path, `too short (${buf.length} bytes) to be ${what}`);
  const got = buf.readUInt32BE(0);
  if (got !== magic) throw new InputFileError(path, `bad magic ${hex(got)}, expected ${hex(magic)} for ${what}`);
  const headerLen = 4 + 4 * ndim;
  if (buf.length < headerLen) throw new InputFileError(path, `truncated header: ${buf.length} bytes, need ${headerLen}`);
  const dims: number[] = [];
  for (let d = 0; d < ndim; d++) dims.push(buf.readUInt32BE(4 + 4 * d));
  const expected = headerLen + dims.reduce((a, b) => a * b, 1);
  if (buf.length !== expected) {
    const problem = buf.length < expected ? 'truncated' : 'has trailing bytes';
    throw new InputFileError(path, `${problem}: dims [${dims.join(', ')}] need ${expected} bytes, the file has ${buf.length}`);
  }
  return { dims, data: new Uint8Array(buf.buffer, buf.byteOffset + headerLen, expected - headerLen) };
}

export interface IdxOpenOptions {
  name: string;
  /** Sample ids are `${idPrefix}/00042`. */
  idPrefix?: string;
  classes?: string[] | null;
  n?: number;
}

/** Opens an IDX image file and, optionally, its label file as a Dataset. */
export async function openIdx(imagesPath: string, labelsPath: string | undefined, o: IdxOpenOptions): Promise<Dataset> {
  const [imgBuf, lblBuf] = await Promise.all([
    readMaybeGzip(imagesPath),
    labelsPath === undefined ? undefined : readMaybeGzip(labelsPath),
  ]);
  const images = parseIdx(imagesPath, imgBuf, IMAGES_MAGIC);
  const [count, h, w] = images.dims;
  let labels: Uint8Array | null = null;
  if (labelsPath !== undefined && lblBuf !== undefined) {
    const parsed = parseIdx(labelsPath, lblBuf, LABELS_MAGIC);
    if (parsed.dims[0] !== count) {
      throw new InputFileError(labelsPath, `holds ${parsed.dims[0]} labels but ${imagesPath} holds ${count} images; they must pair up`);
    }
    labels = parsed.data;
  }
  const per = h * w;
  return indexedDataset({
    name: o.name,
    size: Math.min(count, o.n ?? count),
    shape: [1, h, w],
    classes: o.classes ?? null,
    idPrefix: o.idPrefix ?? basename(imagesPath).replace(/\.gz$/i, ''),
    label: (i) => (labels ? labels[i] : -1),
    write: (i, dst, off) => u8ToF32(images.data, i * per, per, dst, off),
  });
}
