/**
 * Memory budgets: how much the model calls inside one method may take. A size is given as bytes
 * or with a unit (512MB, 4GB, 1.5GiB; units are powers of 1024), or none / 0 for no budget.
 */
import { freemem } from 'node:os';
import { UserError } from '../errors.js';

/** The share of the memory free at load that a CPU run's method calls may take by default. */
export const DEFAULT_MEMORY_SHARE = 0.125;

const UNITS: Record<string, number> = { '': 1, b: 1, k: 2 ** 10, kb: 2 ** 10, kib: 2 ** 10, m: 2 ** 20, mb: 2 ** 20, mib: 2 ** 20, g: 2 ** 30, gb: 2 ** 30, gib: 2 ** 30, t: 2 ** 40, tb: 2 ** 40, tib: 2 ** 40 };

export function parseSize(flag: string, v: string | number): number {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return Math.floor(v);
  const m = /^\s*([0-9]*\.?[0-9]+)\s*([a-z]*)\s*$/i.exec(String(v));
  if (String(v).trim().toLowerCase() === 'none') return 0;
  if (!m || UNITS[m[2].toLowerCase()] === undefined) {
    throw new UserError(`${flag} ${v}: expected a size such as 2GB, 512MB or 1073741824 (bytes), or none`);
  }
  return Math.floor(Number(m[1]) * UNITS[m[2].toLowerCase()]);
}

/** DEFAULT_MEMORY_SHARE of free memory on the CPU; no budget on CUDA (out-of-memory halves batches there). */
export function defaultMemoryBudget(device: string): number {
  return device === 'cpu' ? Math.floor(freemem() * DEFAULT_MEMORY_SHARE) : 0;
}
