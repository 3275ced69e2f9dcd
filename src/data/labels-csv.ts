/**
 * The labels CSV of a flat image folder: a header row naming the columns `filename` and
 * `label` (any order, other columns ignored), then one row per image. Labels are all integers
 * (used as is) or class names (sorted, numbered 0..K-1, and reported as the class list).
 */
import { readInput } from './files.js';
import { InputFileError } from '../errors.js';

export interface LabelTable {
  /** filename -> label */
  labels: Map<string, number>;
  classes: string[] | null;
}

/** Splits one CSV line, honouring double quotes ("a,b" and "" inside quotes). */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (ch === '"') quoted = false; else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { out.push(cur); cur = ''; } else cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim());
}

function parseRows(path: string, text: string): [string, string][] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new InputFileError(path, 'empty; expected a header row with columns filename,label');
  const header = splitCsvLine(lines[0]).map((h) => h.toLowerCase());
  const fi = header.indexOf('filename');
  const li = header.indexOf('label');
  if (fi < 0 || li < 0) {
    throw new InputFileError(path, `header has columns [${header.join(', ')}]; expected columns filename,label`);
  }
  return lines.slice(1).map((line, k) => {
    const cells = splitCsvLine(line);
    if (cells.length <= Math.max(fi, li) || cells[fi] === '' || cells[li] === '') {
      throw new InputFileError(path, `line ${k + 2} ("${line}") lacks a filename or a label`);
    }
    return [cells[fi], cells[li]];
  });
}

export async function readLabelsCsv(path: string): Promise<LabelTable> {
  const text = (await readInput(path, 'labels CSV')).toString('utf8');
  const rows = parseRows(path, text);
  const numeric = rows.every(([, l]) => /^\d+$/.test(l));
  const classes = numeric ? null : [...new Set(rows.map(([, l]) => l))].sort();
  const classIndex = new Map(classes?.map((c, k) => [c, k]));
  const labels = new Map<string, number>();
  for (const [file, l] of rows) {
    const label = numeric ? Number(l) : classIndex.get(l)!;
    const prev = labels.get(file);
    if (prev !== undefined && prev !== label) throw new InputFileError(path, `${file} is listed twice with different labels`);
    labels.set(file, label);
  }
  return { labels, classes };
}
