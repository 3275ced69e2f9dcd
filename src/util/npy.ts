/**
 * NumPy .npy files (format 1.0): what `fass attribute` writes and what users bring (baselines,
 * maps for `fass compare`). Little-endian float32, float64, int32, int64 and uint8, C order.
 */
import { closeSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { InputFileError } from '../errors.js';

export type NpyArray =
  | { dtype: 'float32'; data: Float32Array; shape: number[] }
  | { dtype: 'float64'; data: Float64Array; shape: number[] }
  | { dtype: 'int32'; data: Int32Array; shape: number[] }
  | { dtype: 'int64'; data: BigInt64Array; shape: number[] }
  | { dtype: 'uint8'; data: Uint8Array; shape: number[] };

const DESCR: Record<NpyArray['dtype'], string> = { float32: '<f4', float64: '<f8', int32: '<i4', int64: '<i8', uint8: '|u1' };
const CTOR = { float32: Float32Array, float64: Float64Array, int32: Int32Array, int64: BigInt64Array, uint8: Uint8Array };

export function encodeNpy(a: NpyArray): Buffer {
  const shape = a.shape.length === 1 ? `(${a.shape[0]},)` : `(${a.shape.join(', ')})`;
  let header = `{'descr': '${DESCR[a.dtype]}', 'fortran_order': False, 'shape': ${shape}, }`;
  // magic (6) + version (2) + header length (2) + header, padded with spaces to a multiple of 64, ending in \n
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength)]);
}

/** Writes through a temporary file and a rename, so a reader never sees half a file. */
export function writeNpy(path: string, a: NpyArray): void {
  writeFileSync(path + '.partial', encodeNpy(a));
  renameSync(path + '.partial', path);
}

export interface NpyHeader { dtype: NpyArray['dtype']; shape: number[]; /** Byte offset of the data. */ start: number; /** Bytes the data must take. */ bytes: number }

/** Parses the header at the start of `head` (the file's first bytes: at least the whole header). */
export function parseNpyHeader(path: string, head: Buffer): NpyHeader {
  if (head.length < 10 || head.toString('latin1', 0, 6) !== '\x93NUMPY') throw new InputFileError(path, 'not a .npy file (no \\x93NUMPY magic)');
  const major = head[6];
  const hlen = major === 1 ? head.readUInt16LE(8) : head.readUInt32LE(8);
  const start = major === 1 ? 10 + hlen : 12 + hlen;
  if (head.length < start) throw new InputFileError(path, `truncated .npy header (${head.length} of ${start} bytes)`);
  const header = head.toString('latin1', major === 1 ? 10 : 12, start);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  const dtype = (Object.keys(DESCR) as NpyArray['dtype'][]).find((k) => DESCR[k] === descr || (k === 'uint8' && descr === '<u1'));
  if (!dtype) throw new InputFileError(path, `dtype ${descr} is not supported`, 'use float32, float64, int32, int64 or uint8, little-endian');
  if (fortran) throw new InputFileError(path, 'Fortran order is not supported; save with numpy.ascontiguousarray');
  const shape = (shapeText ?? '').split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  return { dtype, shape, start, bytes: shape.reduce((a, b) => a * b, 1) * CTOR[dtype].BYTES_PER_ELEMENT };
}

export function readNpy(path: string): NpyArray {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new InputFileError(path, `cannot read it (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  const { dtype, shape, start, bytes } = parseNpyHeader(path, buf);
  checkNpyLength(path, buf.length, { dtype, shape, start, bytes });
  const Ctor = CTOR[dtype];
  const data = new (Ctor as unknown as new (b: ArrayBuffer) => NpyArray["data"])(buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + buf.length) as ArrayBuffer);
  return { dtype, data, shape } as NpyArray;
}

/** A file whose size disagrees with its header is truncated or padded: an InputFileError. */
export function checkNpyLength(path: string, fileBytes: number, h: NpyHeader): void {
  if (fileBytes - h.start !== h.bytes) {
    throw new InputFileError(path, `holds ${fileBytes - h.start} data bytes, its header says shape (${h.shape.join(', ')}) of ${h.dtype}`);
  }
}

/**
 * Writes a float32 or int64 .npy of known shape row block by row block, so a run's maps never
 * have to fit in memory; the file appears under its name only when finish() completes it.
 */
export class NpyWriter {
  private fd: number;
  private written = 0;
  private readonly rowElements: number;

  constructor(readonly path: string, readonly dtype: 'float32' | 'int64', readonly shape: number[]) {
    this.rowElements = shape.slice(1).reduce((a, b) => a * b, 1);
    const empty = dtype === 'float32' ? new Float32Array(0) : new BigInt64Array(0);
    const header = encodeNpy({ dtype, data: empty, shape } as NpyArray);
    this.fd = openSync(path + '.partial', 'w');
    writeSync(this.fd, header);
  }

  /** Appends whole rows (a multiple of the row size). */
  append(rows: Float32Array | BigInt64Array): void {
    if (rows.length % this.rowElements !== 0) throw new Error(`${this.path}: ${rows.length} values is not a whole number of rows of ${this.rowElements}`);
    writeSync(this.fd, Buffer.from(rows.buffer, rows.byteOffset, rows.byteLength));
    this.written += rows.length / this.rowElements;
  }

  finish(): void {
    closeSync(this.fd);
    if (this.written !== this.shape[0]) throw new Error(`${this.path}: wrote ${this.written} rows of ${this.shape[0]}`);
    renameSync(this.path + '.partial', this.path);
  }
}
