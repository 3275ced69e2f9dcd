/**
 * Named datasets found under a data root: fashion-mnist and mnist, each as
 * `<root>/<name>/{t10k,train}-{images-idx3,labels-idx1}-ubyte[.gz]` (the layout the Debian
 * package dataset-fashion-mnist installs under /usr/share/datasets).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { openIdx } from './idx.js';
import type { Dataset } from './types.js';

export const DEFAULT_DATA_ROOT = '/usr/share/datasets';

export const FASHION_MNIST_CLASSES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
];
const MNIST_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

export type NamedSet = 'fashion-mnist' | 'mnist';
export type Split = 'test' | 'train';

const HOW_TO_GET: Record<NamedSet, string> = {
  'fashion-mnist': "install it with 'apt-get install dataset-fashion-mnist' (Debian), or set FASS_DATA_ROOT / --data-root to a directory holding fashion-mnist/",
  mnist: 'put the four MNIST IDX files (from the MNIST site) into <root>/mnist/, and set FASS_DATA_ROOT / --data-root to that <root>',
};

/** The data root: the option, else $FASS_DATA_ROOT, else /usr/share/datasets. */
export function dataRoot(root?: string): string {
  return root || process.env.FASS_DATA_ROOT || DEFAULT_DATA_ROOT;
}

/** Finds `<dir>/<base>` or `<dir>/<base>.gz`, or explains where it looked and how to get it. */
function findFile(set: NamedSet, split: Split, dir: string, base: string): string {
  for (const p of [join(dir, base), join(dir, `${base}.gz`)]) if (existsSync(p)) return p;
  throw new UserError(`${set}:${split}: not found: looked for ${join(dir, base)}[.gz]`, HOW_TO_GET[set]);
}

export async function openNamed(set: NamedSet, split: Split, opts: { root?: string; n?: number }): Promise<Dataset> {
  const dir = join(dataRoot(opts.root), set);
  const prefix = split === 'test' ? 't10k' : 'train';
  const images = findFile(set, split, dir, `${prefix}-images-idx3-ubyte`);
  const labels = findFile(set, split, dir, `${prefix}-labels-idx1-ubyte`);
  return openIdx(images, labels, {
    name: `${set}:${split}`,
    idPrefix: `${set}:${split}`,
    classes: set === 'fashion-mnist' ? FASHION_MNIST_CLASSES : MNIST_CLASSES,
    n: opts.n,
  });
}
