/**
 * Geometric perturbations: perturb-then-align round trips, valid masks, and the sign conventions
 * (positive rotation = counter-clockwise on screen, +x right, +y down, scale > 1 enlarges about
 * the centre). Pixel centres at integers, the image centre at ((W-1)/2, (H-1)/2).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UserError } from '../../src/errors.js';
import { tensor } from '../../src/native.js';
import { align, makeSpec, operation, parsePerturbations, perturb, validMask, validMaskTensor, type PerturbationSpec } from '../../src/perturb/index.js';
import { onTestDevice, throwsWith } from '../helpers.js';

const S = 64;
/** A unit-height Gaussian blob of sigma 3 px, off-centre at (x 42, y 23), on a 64 x 64 image. */
function blob(cx = 42, cy = 23, sigma = 3, h = S, w = S): Float32Array {
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * sigma * sigma));
  return out;
}

async function roundTrip(spec: PerturbationSpec, img: Float32Array, h = S, w = S): Promise<{ perturbed: Float32Array; aligned: Float32Array; mask: Uint8Array }> {
  const p = await perturb(onTestDevice({ data: img, shape: [1, 1, h, w] }), spec);
  assert.equal(p.shape, [1, 1, h, w]);
  const a = await align(p, spec);
  assert.equal(a.shape, [1, 1, h, w]);
  const out = { perturbed: p.toTypedArray() as Float32Array, aligned: a.toTypedArray() as Float32Array, mask: validMask(spec, h, w) };
  p.dispose();
  a.dispose();
  return out;
}

function maskedMaxDiff(a: Float32Array, b: Float32Array, mask: Uint8Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (mask[i]) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
const count = (m: Uint8Array) => m.reduce((s, v) => s + v, 0);
const at = (img: ArrayLike<number>, x: number, y: number, w = S) => img[y * w + x];
function argmax(img: ArrayLike<number>): number {
  let k = 0;
  for (let i = 1; i < img.length; i++) if (img[i] > img[k]) k = i;
  return k;
}
function centroid(img: ArrayLike<number>, w = S): [number, number] {
  let sx = 0, sy = 0, s = 0;
  for (let i = 0; i < img.length; i++) { const x = i % w, y = Math.floor(i / w); sx += x * img[i]; sy += y * img[i]; s += img[i]; }
  return [sx / s, sy / s];
}

/**
 * The mask as documented, computed independently: T(q) inside [0, W-1] x [0, H-1], then eroded
 * by 3x3 with the outside invalid.
 */
function expectedMask(t: (x: number, y: number) => [number, number], h = S, w = S): Uint8Array {
  const inside = new Uint8Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const [u, v] = t(x, y);
    inside[y * w + x] = u >= -1e-6 && u <= w - 1 + 1e-6 && v >= -1e-6 && v <= h - 1 + 1e-6 ? 1 : 0;
  }
  const out = new Uint8Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let ok = 1;
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
      const yy = y + dy, xx = x + dx;
      if (yy < 0 || yy >= h || xx < 0 || xx >= w || !inside[yy * w + xx]) ok = 0;
    }
    out[y * w + x] = ok;
  }
  return out;
}
const c = (S - 1) / 2;
function rotation(deg: number) {
  const r = (deg * Math.PI) / 180, co = Math.cos(r), si = Math.sin(r);
  return (x: number, y: number): [number, number] => [c + co * (x - c) + si * (y - c), c - si * (x - c) + co * (y - c)];
}

// Bound: bilinear interpolation (pixel spacing h = 1) of f errs by at most (h^2/8)(max|f_xx| +
// max|f_yy|); a unit Gaussian of sigma 3 has |f_xx|, |f_yy| <= 1/9, so 1/36 = 0.028 per pass. Perturb
// and align are two passes, both undershooting at the peak: 2/36 = 0.056; we hold 0.06. (Measured:
// 0.051 at rotate 15.) A wrong sign or the inverse used in place of T gives errors near 1.
const BOUND = 0.06;

for (const deg of [5, 10, 15, 30]) {
  test(`rotate ${deg}: perturbed then aligned returns the blob within ${BOUND} on the valid region`, async () => {
    const spec = makeSpec('rotate', deg);
    const img = blob();
    const r = await roundTrip(spec, img);
    const err = maskedMaxDiff(r.aligned, img, r.mask);
    assert.ok(err < BOUND, `max error ${err}`);
    // the perturbed image really moved (the test would catch an identity)
    assert.ok(maskedMaxDiff(r.perturbed, img, r.mask) > 0.1);
    assert.equal(r.mask, expectedMask(rotation(deg)));
  });
}

test('rotate 30 masks the corners, keeps the centre; rotate 5 masks less', () => {
  const m = validMask(makeSpec('rotate', 30), S, S);
  for (const [x, y] of [[0, 0], [63, 0], [0, 63], [63, 63], [5, 5], [58, 58]]) assert.is(at(m, x, y), 0, `(${x}, ${y})`);
  for (const [x, y] of [[32, 32], [32, 2], [2, 32], [61, 32]]) assert.is(at(m, x, y), 1, `(${x}, ${y})`);
  assert.ok(count(validMask(makeSpec('rotate', 5), S, S)) > count(m));
});

for (const [name, pct, px] of [['translate_x', 10, 6], ['translate_x', 5, 3], ['translate_y', 10, 6], ['translate_y', 2.5, 2]] as const) {
  test(`${name} ${pct}% (${px} px on 64): exact shift, exact round trip, the lost strip masked`, async () => {
    const spec = makeSpec(name, pct);
    const op = operation(spec, S, S) as { dx: number; dy: number };
    const [dx, dy] = name === 'translate_x' ? [px, 0] : [0, px];
    assert.equal([op.dx, op.dy], [dx, dy]);
    const img = blob();
    const r = await roundTrip(spec, img);
    // whole pixels: the perturbed image is the input shifted, bit for bit, zero filled
    for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) {
      const sx = x - dx, sy = y - dy;
      const want = sx >= 0 && sy >= 0 ? at(img, sx, sy) : 0;
      assert.is(at(r.perturbed, x, y), want, `perturbed (${x}, ${y})`);
    }
    assert.is(maskedMaxDiff(r.aligned, img, r.mask), 0);
    assert.equal(r.mask, expectedMask((x, y) => [x + dx, y + dy]));
    // content at the right (bottom) edge left the frame: that strip, and the border, are invalid
    for (let k = 0; k < S; k++) {
      const edge = name === 'translate_x' ? at(r.mask, S - 1 - px, k) : at(r.mask, k, S - 1 - px);
      const inner = name === 'translate_x' ? at(r.mask, S - 2 - px, k) : at(r.mask, k, S - 2 - px);
      assert.is(edge, 0);
      assert.is(inner, k === 0 || k === S - 1 ? 0 : 1);
    }
  });
}

test('translate: +x moves content right, +y moves it down; fractional pixels are interpolated', async () => {
  const img = new Float32Array(S * S);
  img[20 * S + 10] = 1;
  const right = await perturb({ data: img, shape: [1, 1, S, S] }, makeSpec('translate_x', 5, { pixels: true }));
  assert.is(argmax(right.toTypedArray() as Float32Array), 20 * S + 15);
  const down = await perturb({ data: img, shape: [1, 1, S, S] }, makeSpec('translate_y', 7, { pixels: true }));
  assert.is(argmax(down.toTypedArray() as Float32Array), 27 * S + 10);
  const left = await perturb({ data: img, shape: [1, 1, S, S] }, makeSpec('translate_x', -5, { pixels: true }));
  assert.is(argmax(left.toTypedArray() as Float32Array), 20 * S + 5);
  const half = (await perturb({ data: img, shape: [1, 1, S, S] }, makeSpec('translate_x', 0.5, { pixels: true }))).toTypedArray() as Float32Array;
  assert.ok(Math.abs(half[20 * S + 10] - 0.5) < 1e-5 && Math.abs(half[20 * S + 11] - 0.5) < 1e-5, `${half[20 * S + 10]}, ${half[20 * S + 11]}`);
  // percentages round to whole pixels, half away from zero: 2.5% of 28 px = 0.7 -> 1, 10% -> 2.8 -> 3, -5% of 30 -> -1.5 -> -2
  assert.equal(operation(makeSpec('translate_x', 2.5), 28, 28), { kind: 'translate', dx: 1, dy: 0, interpolation: 'bilinear' });
  assert.equal(operation(makeSpec('translate_y', 10), 28, 100), { kind: 'translate', dx: 0, dy: 3, interpolation: 'bilinear' });
  assert.equal((operation(makeSpec('translate_x', -5), 10, 30) as { dx: number }).dx, -2);
});

test('rotate +90 moves the pixel right of the centre to above it (counter-clockwise), square and non-square', async () => {
  for (const [h, w] of [[5, 5], [5, 7], [7, 5]]) {
    const cx = (w - 1) / 2, cy = (h - 1) / 2;
    const img = new Float32Array(h * w);
    img[cy * w + (cx + 1)] = 1; // one pixel right of the centre
    const out = (await perturb({ data: img, shape: [1, 1, h, w] }, makeSpec('rotate', 90))).toTypedArray() as Float32Array;
    assert.ok(Math.abs(out[(cy - 1) * w + cx] - 1) < 1e-5, `${h}x${w}: above the centre ${out[(cy - 1) * w + cx]}`);
    const total = out.reduce((a, v) => a + Math.abs(v), 0);
    assert.ok(Math.abs(total - 1) < 1e-4, `${h}x${w}: total ${total}`);
    // and -90 sends it below
    const cw = (await perturb({ data: img, shape: [1, 1, h, w] }, makeSpec('rotate', -90))).toTypedArray() as Float32Array;
    assert.ok(Math.abs(cw[(cy + 1) * w + cx] - 1) < 1e-5, `${h}x${w}: below the centre`);
  }
});

test('rotate 30: the blob centroid turns counter-clockwise about the centre', async () => {
  const img = blob(50, c);
  const out = (await perturb({ data: img, shape: [1, 1, S, S] }, makeSpec('rotate', 30))).toTypedArray() as Float32Array;
  const [x, y] = centroid(out);
  const r = 50 - c;
  assert.ok(Math.abs(x - (c + r * Math.cos(Math.PI / 6))) < 0.05 && Math.abs(y - (c - r * Math.sin(Math.PI / 6))) < 0.05, `centroid (${x}, ${y})`);
});

for (const f of [0.9, 1.1]) {
  test(`scale ${f}: round trip within ${BOUND}, mask, blob moves to c + ${f} (q - c)`, async () => {
    const spec = makeSpec('scale', f);
    const img = blob();
    const r = await roundTrip(spec, img);
    const err = maskedMaxDiff(r.aligned, img, r.mask);
    assert.ok(err < BOUND, `max error ${err}`);
    assert.equal(r.mask, expectedMask((x, y) => [c + f * (x - c), c + f * (y - c)]));
    const [x, y] = centroid(r.perturbed);
    assert.ok(Math.abs(x - (c + f * (42 - c))) < 0.05 && Math.abs(y - (c + f * (23 - c))) < 0.05, `centroid (${x}, ${y})`);
  });
}

test('scale 1.1 enlarges about the centre: a 10 px square becomes 11 px; 0.9 keeps every pixel valid', async () => {
  const img = new Float32Array(S * S);
  for (let y = 27; y < 37; y++) for (let x = 27; x < 37; x++) img[y * S + x] = 1; // centred (31.5 +- 5)
  const out = (await perturb({ data: img, shape: [1, 1, S, S] }, makeSpec('scale', 1.1))).toTypedArray() as Float32Array;
  const area = out.reduce((a, v) => a + v, 0);
  assert.ok(Math.abs(area - 121) < 0.5, `area ${area}`);
  const m09 = validMask(makeSpec('scale', 0.9), S, S);
  assert.is(count(m09), (S - 2) * (S - 2));
  const m11 = validMask(makeSpec('scale', 1.1), S, S);
  // |x - 31.5| <= 31.5 / 1.1 = 28.6 -> x in 3..60, eroded -> 4..59
  assert.is(count(m11), 56 * 56);
  assert.is(at(m11, 4, 4), 1);
  assert.is(at(m11, 3, 30), 0);
});

test('hflip: exact mirror, exact round trip, mask all ones but the eroded border', async () => {
  const spec = makeSpec('hflip');
  const img = blob();
  const r = await roundTrip(spec, img);
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) assert.is(at(r.perturbed, S - 1 - x, y), at(img, x, y));
  assert.equal(r.aligned, img);
  assert.is(count(r.mask), (S - 2) * (S - 2));
  for (let k = 0; k < S; k++) assert.ok(!at(r.mask, 0, k) && !at(r.mask, S - 1, k) && !at(r.mask, k, 0) && !at(r.mask, k, S - 1));
});

test('align works on (N,H,W) maps and (N,C,H,W) batches alike, per sample', async () => {
  const spec = makeSpec('rotate', 15);
  const a = blob(), b = blob(20, 40);
  const batch = new Float32Array([...a, ...b, ...b, ...a]); // (2,2,H,W)
  const p = await perturb(onTestDevice({ data: batch, shape: [2, 2, S, S] }), spec);
  const aligned4 = (await align(p, spec)).toTypedArray() as Float32Array;
  const flat = p.toTypedArray() as Float32Array; // reuse as (4,H,W)
  const aligned3t = await align(onTestDevice({ data: flat, shape: [4, S, S] }), spec);
  assert.equal(aligned3t.shape, [4, S, S]);
  assert.equal(aligned3t.toTypedArray(), aligned4);
  const mask = validMask(spec, S, S);
  for (const [k, ref] of [[0, a], [1, b], [2, b], [3, a]] as const) {
    const err = maskedMaxDiff(aligned4.subarray(k * S * S, (k + 1) * S * S), ref, mask);
    assert.ok(err < BOUND, `plane ${k}: ${err}`);
  }
});

test('nearest interpolation (fass-paper rotate): only input values appear; no alignment, all-ones mask', async () => {
  const [spec] = parsePerturbations('fass-paper');
  assert.is(spec.id, 'rotate:15@nearest@noalign');
  const img = Float32Array.from({ length: S * S }, (_, i) => ((i * 7919) % 1000) / 1000);
  const values = new Set(img);
  values.add(0);
  const p = await perturb({ data: img, shape: [1, 1, S, S] }, spec);
  const out = p.toTypedArray() as Float32Array;
  assert.ok(out.every((v) => values.has(v)));
  const bil = (await perturb({ data: img, shape: [1, 1, S, S] }, makeSpec('rotate', 15))).toTypedArray() as Float32Array;
  assert.not.ok(bil.every((v) => values.has(v)));
  // align none: the same tensor, unchanged; mask all ones
  const a = await align(p, spec);
  assert.ok(a === p);
  assert.is(count(validMask(spec, S, S)), S * S);
  const mt = validMaskTensor(spec, 4, 6);
  assert.equal(mt.shape, [4, 6]);
  assert.is(mt.dtype, 'uint8');
});

test('the perturbed batch stays native and keeps its shape; bad shapes are user errors', async () => {
  const x = tensor(new Float32Array(2 * 3 * 8 * 8).fill(0.5), [2, 3, 8, 8]);
  const p = await perturb(x, makeSpec('rotate', 5));
  assert.equal(p.shape, [2, 3, 8, 8]);
  assert.is(p.dtype, 'float32');
  assert.is(x.disposed, false);
  await throwsWith(perturb({ data: new Float32Array(64), shape: [1, 8, 8] }, makeSpec('rotate', 5)), UserError, '(N,C,H,W)', '[1, 8, 8]');
  await throwsWith(perturb({ data: new Float32Array(63), shape: [1, 1, 8, 8] }, makeSpec('rotate', 5)), UserError, '63', '64');
  await throwsWith(align({ data: new Float32Array(8), shape: [8] }, makeSpec('rotate', 5)), UserError, '(N,H,W)');
  assert.throws(() => validMask(makeSpec('rotate', 5), 0, 8), (e: Error) => e instanceof UserError && /height and width/.test(e.message));
});

test.run();
