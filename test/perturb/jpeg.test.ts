/** JPEG round trips through sharp: quality orders the error, shapes and channels stay, the codec is recorded. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import sharp from 'sharp';
import { UserError } from '../../src/errors.js';
import { tensor } from '../../src/native.js';
import { jpegCodec, makeSpec, operation, perturb, validMask } from '../../src/perturb/index.js';
import { throwsWith } from '../helpers.js';

/** A smooth image with an edge, (N,C,32,32), distinct per channel and sample. */
function image(n: number, c: number, h = 32, w = 32): Float32Array {
  const out = new Float32Array(n * c * h * w);
  for (let i = 0; i < n; i++) for (let k = 0; k < c; k++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const v = 0.5 + 0.3 * Math.sin((x + 2 * k + i) / 5) * Math.cos(y / 7) + (x > 20 ? 0.15 : -0.05);
    out[((i * c + k) * h + y) * w + x] = Math.min(1, Math.max(0, v));
  }
  return out;
}
function meanAbs(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

for (const c of [1, 3]) {
  test(`${c} channel(s): quality 90 is close, 20 further; shape and channels kept`, async () => {
    const shape = [2, c, 32, 32];
    const x = image(2, c);
    const errs: number[] = [];
    for (const q of [90, 70, 40, 20]) {
      const y = await perturb({ data: x, shape }, makeSpec('jpeg', q));
      assert.equal(y.shape, shape);
      assert.is(y.dtype, 'float32');
      const d = y.toTypedArray() as Float32Array;
      assert.ok(d.every((v) => v >= 0 && v <= 1));
      // values are 8-bit levels
      assert.ok(d.every((v) => Math.abs(v * 255 - Math.round(v * 255)) < 1e-4));
      errs.push(meanAbs(d, x));
    }
    assert.ok(errs[0] < 0.01, `quality 90: mean |error| ${errs[0]}`);
    assert.ok(errs[3] > 1.5 * errs[0], `quality 20 (${errs[3]}) should be clearly worse than 90 (${errs[0]})`);
    assert.ok(errs[3] > 0.005, `quality 20: ${errs[3]}`);
  });
}

test('a sample\'s result does not depend on its batch; native tensors in, native tensors out', async () => {
  const x = image(3, 3);
  const size = 3 * 32 * 32;
  const all = (await perturb(tensor(x, [3, 3, 32, 32]), makeSpec('jpeg', 40))).toTypedArray();
  const one = (await perturb({ data: x.subarray(size, 2 * size), shape: [1, 3, 32, 32] }, makeSpec('jpeg', 40))).toTypedArray();
  assert.equal(one, (all as Float32Array).subarray(size, 2 * size));
});

test('matches encoding the 8-bit image with sharp directly (quality 40, 4:2:0)', async () => {
  const x = image(1, 3, 16, 24);
  const px = Buffer.alloc(3 * 16 * 24);
  for (let p = 0; p < 16 * 24; p++) for (let k = 0; k < 3; k++) px[p * 3 + k] = Math.round(x[k * 16 * 24 + p] * 255);
  const jpg = await sharp(px, { raw: { width: 24, height: 16, channels: 3 } }).jpeg({ quality: 40, chromaSubsampling: '4:2:0' }).toBuffer();
  const meta = await sharp(jpg).metadata();
  assert.is(meta.format, 'jpeg');
  assert.is(meta.chromaSubsampling, '4:2:0');
  const dec = await sharp(jpg).raw().toBuffer();
  const y = (await perturb({ data: x, shape: [1, 3, 16, 24] }, makeSpec('jpeg', 40))).toTypedArray() as Float32Array;
  for (let p = 0; p < 16 * 24; p++) for (let k = 0; k < 3; k++) assert.is(Math.round(y[k * 16 * 24 + p] * 255), dec[p * 3 + k]);
});

test('the codec is recorded: library and version from sharp.versions', () => {
  const c = jpegCodec();
  const v = sharp.versions as Record<string, string | undefined>;
  assert.ok(c.library === 'mozjpeg' || c.library === 'libjpeg-turbo' || c.library.startsWith('libjpeg'));
  assert.is(c.version, v.mozjpeg ?? v.jpeg ?? 'unknown');
  assert.is(c.vips, v.vips);
  assert.is(c.sharp, v.sharp);
  assert.ok(c.id.includes(c.version) && c.id.includes('4:2:0'), c.id);
  assert.equal(operation(makeSpec('jpeg', 20), 8, 8), { kind: 'jpeg', quality: 20 });
  assert.ok(validMask(makeSpec('jpeg', 20), 4, 4).every((m) => m === 1));
});

test('refuses channel counts JPEG cannot hold', async () => {
  await throwsWith(perturb({ data: new Float32Array(2 * 16), shape: [1, 2, 4, 4] }, makeSpec('jpeg', 40)), UserError, '1 or 3 channels', 'got 2');
});

test.run();
