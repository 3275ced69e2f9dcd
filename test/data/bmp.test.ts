import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeBmp, isBmp } from '../../src/data/bmp.js';

/** A BMP with a 40-byte info header; `rows` are the stored row bytes (already padded), in file order. */
function bmp(w: number, h: number, bpp: number, rows: number[][], opts: { palette?: number[][]; compression?: number; masks?: number[] } = {}): Buffer {
  const pal = (opts.palette ?? []).flatMap(([r, g, b]) => [b, g, r, 0]);
  const masks = opts.masks ? Buffer.alloc(12) : Buffer.alloc(0);
  opts.masks?.forEach((m, k) => masks.writeUInt32LE(m, 4 * k));
  const head = Buffer.alloc(54);
  const offset = 54 + masks.length + pal.length;
  const pixels = Buffer.from(rows.flat());
  head.write('BM', 0, 'ascii');
  head.writeUInt32LE(offset + pixels.length, 2);
  head.writeUInt32LE(offset, 10);
  head.writeUInt32LE(40, 14);
  head.writeInt32LE(w, 18);
  head.writeInt32LE(h, 22);
  head.writeUInt16LE(1, 26);
  head.writeUInt16LE(bpp, 28);
  head.writeUInt32LE(opts.compression ?? 0, 30);
  return Buffer.concat([head, masks, Buffer.from(pal), pixels]);
}

test('8-bit palette, top-down (negative height), padded rows', () => {
  const palette = [[10, 20, 30], [200, 100, 50]];
  const b = bmp(3, -2, 8, [[0, 1, 0, 0], [1, 1, 0, 0]], { palette });
  assert.ok(isBmp(b));
  const { width, height, data } = decodeBmp(b);
  assert.is(width, 3);
  assert.is(height, 2);
  assert.equal(Array.from(data), [10, 20, 30, 200, 100, 50, 10, 20, 30, 200, 100, 50, 200, 100, 50, 10, 20, 30]);
});

test('1-bit palette, bottom-up: the first stored row is the bottom one', () => {
  const b = bmp(2, 2, 1, [[0b10000000, 0, 0, 0], [0b01000000, 0, 0, 0]], { palette: [[0, 0, 0], [255, 255, 255]] });
  assert.equal(Array.from(decodeBmp(b).data), [0, 0, 0, 255, 255, 255, 255, 255, 255, 0, 0, 0]);
});

test('32-bit bit fields and 16-bit 5-5-5', () => {
  // Masks put red in the low byte: pixel 0x00332211 is r=0x11, g=0x22, b=0x33.
  const b32 = bmp(1, 1, 32, [[0x11, 0x22, 0x33, 0x00]], { compression: 3, masks: [0xff, 0xff00, 0xff0000] });
  assert.equal(Array.from(decodeBmp(b32).data), [0x11, 0x22, 0x33]);
  // 5-5-5: r=31, g=0, b=31 -> 0x7c1f, stored little-endian, padded to 4 bytes.
  const b16 = bmp(1, 1, 16, [[0x1f, 0x7c, 0, 0]]);
  assert.equal(Array.from(decodeBmp(b16).data), [255, 0, 255]);
});

test('RLE and truncated files throw with a reason', () => {
  assert.throws(() => decodeBmp(bmp(2, 2, 8, [[0, 0, 0, 0]], { compression: 1, palette: [[0, 0, 0]] })), /unsupported BMP variant \(compression 1/);
  assert.throws(() => decodeBmp(bmp(4, 4, 24, [[0, 0, 0]])), /truncated/);
  assert.not.ok(isBmp(Buffer.from('GIF89a')));
});

test.run();
