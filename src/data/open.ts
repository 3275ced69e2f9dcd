/**
 * openDataset: checks the options, parses the spec (forms listed in spec.ts and README.md)
 * and hands over to the matching reader.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { InputFileError, UserError } from '../errors.js';
import { openCifar10 } from './cifar.js';
import { openFolder } from './folder.js';
import { openIdx } from './idx.js';
import { openNamed } from './named.js';
import { openNpy } from './npy.js';
import { parseSpec, type ParsedSpec } from './spec.js';
import { openSynthetic } from './synthetic.js';
import type { Dataset, OpenOptions } from './types.js';

export const DEFAULT_SIZE = 224;
/** The usual ImageNet ratio: resize to 256, crop 224. */
export const CROP_RATIO = 0.875;

function checkInt(flag: string, v: number | undefined, min: number): void {
  if (v !== undefined && (!Number.isInteger(v) || v < min)) {
    throw new UserError(`invalid ${flag} ${v}: expected an integer >= ${min}`);
  }
}

function checkOptions(o: OpenOptions, kind: ParsedSpec['kind']): void {
  checkInt('--n', o.n, 1);
  checkInt('--size', o.size, 1);
  checkInt('--resize', o.resize, 1);
  if (o.channels !== undefined && o.channels !== 1 && o.channels !== 3) {
    throw new UserError(`invalid --channels ${o.channels}: expected 1 or 3`);
  }
  // Fixed-shape datasets would silently ignore these, and the user would get other pixels
  // than asked for: refuse instead.
  if (kind !== 'folder') {
    const given = (['size', 'resize', 'channels', 'labels'] as const).filter((k) => o[k] !== undefined);
    if (given.length > 0) {
      throw new UserError(`--${given[0]} ${o[given[0]]}: applies only to image folders; a ${kind} dataset has a fixed shape and its own labels`);
    }
  }
  if (kind !== 'npy' && o.layout !== undefined) throw new UserError(`--layout ${o.layout}: applies only to npy: datasets`);
}

function folderDir(dir: string): string {
  const abs = resolve(dir);
  let isDir: boolean;
  try { isDir = statSync(abs).isDirectory(); } catch { throw new InputFileError(abs, 'no such directory', 'an image folder spec is a directory path, optionally prefixed folder:'); }
  if (!isDir) throw new InputFileError(abs, 'is a file, not a folder of images');
  return abs;
}

export async function openDataset(spec: string, opts: OpenOptions = {}): Promise<Dataset> {
  const p = parseSpec(spec);
  checkOptions(opts, p.kind);
  switch (p.kind) {
    case 'named':
      return openNamed(p.set, p.split, { root: opts.root, n: opts.n });
    case 'idx': {
      const images = resolve(p.images);
      const labels = p.labels === undefined ? undefined : resolve(p.labels);
      return openIdx(images, labels, { name: `idx:${images}${labels ? `,${labels}` : ''}`, n: opts.n });
    }
    case 'npy':
      return openNpy(p.images, p.labels, { n: opts.n, layout: opts.layout });
    case 'cifar10':
      return openCifar10(folderDir(p.dir), p.split, opts.n);
    case 'synthetic':
      return openSynthetic(p, opts.n);
    case 'folder': {
      const size = opts.size ?? DEFAULT_SIZE;
      const resize = opts.resize ?? Math.round(size / CROP_RATIO);
      if (resize < size) throw new UserError(`invalid --resize ${resize}: must be >= --size ${size}, since the crop is taken from the resized image`);
      return openFolder(folderDir(p.dir), { size, resize, channels: opts.channels ?? 3, labels: opts.labels, n: opts.n });
    }
  }
}
