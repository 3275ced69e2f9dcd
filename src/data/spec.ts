/**
 * Dataset spec strings. Accepted forms:
 *   fashion-mnist:test | fashion-mnist:train   IDX files under <root>/fashion-mnist/
 *   mnist:test | mnist:train                   IDX files under <root>/mnist/
 *   idx:IMAGES_FILE[,LABELS_FILE]              raw IDX files, gzipped or not
 *   npy:IMAGES.npy[,LABELS.npy]                a NumPy image array (float32 in [0,1] or uint8) and labels
 *   cifar10:DIR:test | cifar10:DIR:train       CIFAR-10 binary batches in DIR
 *   synthetic:N[:CxHxW][:K]                    N generated images (default 1x28x28, K=10)
 *   [folder:]DIR                               an image folder (class subfolders, or flat + --labels)
 */
import { existsSync, statSync } from 'node:fs';
import { UserError } from '../errors.js';
import type { NamedSet, Split } from './named.js';

export type ParsedSpec =
  | { kind: 'named'; set: NamedSet; split: Split }
  | { kind: 'idx'; images: string; labels?: string }
  | { kind: 'npy'; images: string; labels?: string }
  | { kind: 'cifar10'; dir: string; split: Split }
  | { kind: 'synthetic'; count: number; shape: [number, number, number]; classes: number }
  | { kind: 'folder'; dir: string };

export const ACCEPTED_SPECS = [
  'fashion-mnist:test|train', 'mnist:test|train', 'idx:IMAGES_FILE[,LABELS_FILE]', 'npy:IMAGES.npy[,LABELS.npy]',
  'cifar10:DIR:test|train', 'synthetic:N[:CxHxW][:K]', '[folder:]DIR (an image folder)',
];

function bad(spec: string, why: string): UserError {
  return new UserError(`unknown dataset spec '${spec}': ${why}`, `accepted forms: ${ACCEPTED_SPECS.join(', ')}`);
}

function parseSplit(spec: string, s: string): Split {
  if (s === 'test' || s === 'train') return s;
  throw bad(spec, `split '${s}' is not test or train`);
}

function positiveInt(spec: string, what: string, s: string): number {
  const v = /^\d+$/.test(s) ? Number(s) : NaN;
  if (!Number.isSafeInteger(v) || v < 1) throw bad(spec, `${what} '${s}' is not an integer >= 1`);
  return v;
}

function parseSynthetic(spec: string, rest: string): ParsedSpec {
  const [count, ...more] = rest.split(':');
  let shape: [number, number, number] = [1, 28, 28];
  let classes = 10;
  if (more.length > 2) throw bad(spec, 'expected synthetic:N[:CxHxW][:K]');
  // With one extra part, an "x" tells a shape from a class count; with two, the shape is first.
  const shapePart = more.length === 2 || (more.length === 1 && more[0].includes('x')) ? more[0] : undefined;
  const classPart = more.length === 2 ? more[1] : more.length === 1 && shapePart === undefined ? more[0] : undefined;
  if (shapePart !== undefined) {
    const dims = shapePart.split('x');
    if (dims.length !== 3) throw bad(spec, `shape '${shapePart}' is not CxHxW`);
    shape = dims.map((d) => positiveInt(spec, 'shape dimension', d)) as [number, number, number];
  }
  if (classPart !== undefined) classes = positiveInt(spec, 'class count', classPart);
  return { kind: 'synthetic', count: positiveInt(spec, 'sample count', count), shape, classes };
}

function isDirectory(p: string): boolean {
  try { return statSync(p).isDirectory(); } catch { return false; }
}

/** Parses a spec string; file existence is checked later by the reader, with its own message. */
export function parseSpec(spec: string): ParsedSpec {
  if (typeof spec !== 'string' || spec.trim() === '') throw bad(String(spec), 'empty');
  const m = /^(fashion-mnist|mnist):(.*)$/.exec(spec);
  if (m) return { kind: 'named', set: m[1] as NamedSet, split: parseSplit(spec, m[2]) };
  for (const kind of ['idx', 'npy'] as const) {
    if (!spec.startsWith(`${kind}:`)) continue;
    const [images, labels, ...extra] = spec.slice(4).split(',');
    if (!images || extra.length > 0 || labels === '') throw bad(spec, `expected ${ACCEPTED_SPECS.find((a) => a.startsWith(kind))}`);
    return { kind, images, labels };
  }
  if (spec.startsWith('cifar10:')) {
    const rest = spec.slice(8);
    const cut = rest.lastIndexOf(':');
    if (cut <= 0) throw bad(spec, 'expected cifar10:DIR:test or cifar10:DIR:train');
    return { kind: 'cifar10', dir: rest.slice(0, cut), split: parseSplit(spec, rest.slice(cut + 1)) };
  }
  if (spec.startsWith('synthetic:')) return parseSynthetic(spec, spec.slice(10));
  if (spec.startsWith('folder:')) return { kind: 'folder', dir: spec.slice(7) };
  // A bare path is a folder when it looks like one or exists as one; anything else is a typo
  // of one of the forms above, and saying so beats "no such directory".
  if (/[/\\]/.test(spec) || spec.startsWith('.') || spec.startsWith('~') || isDirectory(spec)) return { kind: 'folder', dir: spec };
  if (existsSync(spec)) throw bad(spec, 'it is a file, not a folder of images');
  throw bad(spec, 'not one of the forms below, nor an existing folder');
}
