/**
 * CIFAR-10 binary batches: data_batch_1..5.bin (train) or test_batch.bin (test) in one
 * directory. Each record is 3073 bytes: the label byte, then 32x32 planes of R, G and B, which
 * is already CHW order. Class names come from batches.meta.txt (one per line) when present.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputFileError } from '../errors.js';
import { readInput } from './files.js';
import { indexedDataset, u8ToF32 } from './indexed.js';
import type { Dataset } from './types.js';
import type { Split } from './named.js';

const SIDE = 32;
const PIXELS = 3 * SIDE * SIDE;
const RECORD = 1 + PIXELS;
const NUM_CLASSES = 10;

export function cifarFiles(split: Split): string[] {
  return split === 'test' ? ['test_batch.bin'] : [1, 2, 3, 4, 5].map((k) => `data_batch_${k}.bin`);
}

/** Reads one batch file, checking that it is whole records with labels 0..9. */
async function readBatchFile(path: string): Promise<Buffer> {
  const buf = await readInput(path, 'CIFAR-10 batch file');
  if (buf.length === 0 || buf.length % RECORD !== 0) {
    throw new InputFileError(path, `${buf.length} bytes is not a whole number of ${RECORD}-byte CIFAR-10 records; the file is truncated or not a CIFAR-10 binary batch`);
  }
  for (let r = 0; r < buf.length; r += RECORD) {
    if (buf[r] >= NUM_CLASSES) {
      throw new InputFileError(path, `record ${r / RECORD} has label ${buf[r]}, expected 0..9; not a CIFAR-10 binary batch`);
    }
  }
  return buf;
}

async function readClassNames(dir: string): Promise<string[] | null> {
  const path = join(dir, 'batches.meta.txt');
  if (!existsSync(path)) return null;
  const names = (await readFile(path, 'utf8')).split(/\r?\n/).map((s) => s.trim()).filter((s) => s !== '');
  return names.length > 0 ? names : null;
}

export async function openCifar10(dir: string, split: Split, n?: number): Promise<Dataset> {
  const paths = cifarFiles(split).map((f) => join(dir, f));
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length > 0) {
    throw new InputFileError(missing[0], 'not found', `cifar10:DIR:${split} expects ${cifarFiles(split).join(', ')} in DIR (the "CIFAR-10 binary version")`);
  }
  // All files are read once and kept: the whole training set is 150 MB of uint8.
  const [bufs, classes] = await Promise.all([Promise.all(paths.map(readBatchFile)), readClassNames(dir)]);
  const data = bufs.length === 1 ? bufs[0] : Buffer.concat(bufs);
  const count = data.length / RECORD;
  return indexedDataset({
    name: `cifar10:${dir}:${split}`,
    size: Math.min(count, n ?? count),
    shape: [3, SIDE, SIDE],
    classes,
    idPrefix: `cifar10:${split}`,
    label: (i) => data[i * RECORD],
    write: (i, dst, off) => u8ToF32(data, i * RECORD + 1, PIXELS, dst, off),
  });
}
