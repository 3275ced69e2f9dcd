/**
 * An image folder in ImageNet layout, streamed: file names are listed up front, pixels are
 * decoded one batch at a time (plus the prefetched ones). Two layouts:
 *  - class subfolders: sorted folder names are classes 0..K-1, files sorted by name inside,
 *    ids are relative paths like `n01440764/img1.JPEG`;
 *  - flat: images directly in the folder, labels from an optional CSV (else -1).
 * A file that cannot be decoded becomes a SampleError with the decoder's message.
 */
import { readdirSync, statSync, type Dirent } from 'node:fs';
import { extname, join, parse, resolve } from 'node:path';
import { InputFileError, UserError } from '../errors.js';
import { readProblem } from './files.js';
import { decodeImage, type DecodeOptions } from './decode.js';
import { readLabelsCsv } from './labels-csv.js';
import { meanColour, streamBatches } from './stream.js';
import type { Batch, Dataset, SampleError } from './types.js';

export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp', '.tif', '.tiff', '.bmp', '.gif'];

export interface FolderOptions extends DecodeOptions {
  labels?: string;
  n?: number;
}

interface Entry { id: string; path: string; label: number }
interface Listing { entries: Entry[]; classes: string[] | null }

const isImage = (name: string) => IMAGE_EXTENSIONS.includes(extname(name).toLowerCase());
// Plain code-unit order, as Python's sorted() gives, so class numbers match torchvision's ImageFolder.
const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function readDir(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    throw new InputFileError(dir, `cannot list the folder: ${readProblem(e)}`);
  }
}

/** Dirent type, following symlinks (folders of links into a shared store are common). */
function kind(dir: string, d: Dirent): 'dir' | 'file' | 'other' {
  if (d.isDirectory()) return 'dir';
  if (d.isFile()) return 'file';
  if (!d.isSymbolicLink()) return 'other';
  try {
    const s = statSync(join(dir, d.name));
    return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : 'other';
  } catch {
    return 'file'; // a dangling link: listed, so that its failure is reported, not hidden
  }
}

/** Names of image files directly inside dir, sorted. Dot files (e.g. ._x.jpg from macOS) are skipped. */
function imagesIn(dir: string, entries = readDir(dir)): string[] {
  return entries.filter((d) => !d.name.startsWith('.') && isImage(d.name) && kind(dir, d) === 'file')
    .map((d) => d.name).sort(byName);
}

/** Class layout: every (non-hidden) subfolder is a class, even an empty one, to keep numbering stable. */
function listClassFolders(dir: string, classes: string[]): Listing {
  const entries: Entry[] = [];
  classes.forEach((cls, label) => {
    for (const f of imagesIn(join(dir, cls))) entries.push({ id: `${cls}/${f}`, path: join(dir, cls, f), label });
  });
  return { entries, classes };
}

async function listFlat(dir: string, files: string[], labelsCsv?: string): Promise<Listing> {
  const table = labelsCsv ? await readLabelsCsv(labelsCsv) : null;
  // CSVs often name images without their extension (e.g. ImageNet's ILSVRC2012_val_00000001).
  const labelOf = (f: string) => table?.labels.get(f) ?? table?.labels.get(parse(f).name) ?? -1;
  return {
    entries: files.map((f) => ({ id: f, path: join(dir, f), label: labelOf(f) })),
    classes: table?.classes ?? null,
  };
}

export async function listFolder(dirArg: string, labelsCsv?: string): Promise<Listing> {
  const dir = resolve(dirArg);
  const top = readDir(dir);
  const subdirs = top.filter((d) => !d.name.startsWith('.') && kind(dir, d) === 'dir').map((d) => d.name).sort(byName);
  const loose = imagesIn(dir, top);
  const classLayout = subdirs.some((s) => imagesIn(join(dir, s)).length > 0);
  if (classLayout && loose.length > 0) {
    throw new UserError(`${dir}: has both class subfolders (${subdirs.slice(0, 3).join(', ')}...) and ${loose.length} images at the top level (${loose[0]}...)`,
      'use one layout: images inside class subfolders, or a flat folder of images with a labels CSV');
  }
  if (classLayout && labelsCsv) {
    throw new UserError(`--labels ${labelsCsv}: a labels CSV applies only to a flat folder, but ${dir} has class subfolders that already give the labels`);
  }
  const listing = classLayout ? listClassFolders(dir, subdirs) : await listFlat(dir, loose, labelsCsv);
  if (listing.entries.length === 0) {
    throw new UserError(`${dir}: no images found; expected files ending in ${IMAGE_EXTENSIONS.join(' ')} (any case), directly inside or in class subfolders`);
  }
  return listing;
}

async function loadBatch(entries: Entry[], start: number, end: number, o: DecodeOptions): Promise<Batch> {
  const slice = entries.slice(start, end);
  const results = await Promise.all(slice.map((e) =>
    decodeImage(e.path, o).then((px) => px, (err: Error) => (err.message || String(err)))));
  const per = o.channels * o.size * o.size;
  const good = results.filter((r): r is Float32Array => typeof r !== 'string').length;
  const data = new Float32Array(good * per);
  const labels = new Int32Array(good);
  const ids: string[] = [], indices: number[] = [], errors: SampleError[] = [];
  results.forEach((r, k) => {
    const e = slice[k];
    if (typeof r === 'string') {
      errors.push({ id: e.id, index: start + k, reason: r });
      return;
    }
    data.set(r, ids.length * per);
    labels[ids.length] = e.label;
    ids.push(e.id);
    indices.push(start + k);
  });
  return { ids, indices, labels, data, shape: [good, o.channels, o.size, o.size], errors };
}

export async function openFolder(dirArg: string, o: FolderOptions): Promise<Dataset> {
  const dir = resolve(dirArg);
  const listing = await listFolder(dir, o.labels);
  const entries = o.n === undefined ? listing.entries : listing.entries.slice(0, o.n);
  const decode: DecodeOptions = { size: o.size, resize: o.resize, channels: o.channels };
  const name = `folder:${dir}`;
  const ds: Dataset = {
    name,
    size: entries.length,
    shape: [o.channels, o.size, o.size],
    classes: listing.classes,
    batches: (batchSize, opts) => streamBatches(name, entries.length, batchSize, opts, (s, e) => loadBatch(entries, s, e, decode)),
    meanColour: () => meanColour(ds),
  };
  return ds;
}
