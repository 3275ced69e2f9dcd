/**
 * Similarity metrics (SPEC.md section 5): against scikit-image / SciPy references, and on
 * hand-made cases for masks, ties, constant maps, empty masks and the uniform (fass-paper) window.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { UserError } from '../../src/errors.js';
import {
  parseMetrics, similarity, similarityMetric, SIMILARITY_METRICS, summarise, type MapsInput,
} from '../../src/metrics/similarity.js';
import { fixture, readF32, throwsWith } from '../helpers.js';

const ref = JSON.parse(readFileSync(fixture('similarity', 'similarity.json'), 'utf8')) as {
  k: number;
  pairs: Record<string, Record<string, number[]>>;
};
const maps = (name: string): MapsInput => ({ data: readF32(fixture('reference', `${name}.bin`)), shape: [16, 1, 28, 28] });

function near(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  assert.is(got.length, want.length, `${what}: lengths differ`);
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(got[i] - want[i]) <= tol, `${what}[${i}]: ${got[i]} vs ${want[i]} (|diff| ${Math.abs(got[i] - want[i])} > ${tol})`);
  }
}

/** (1, h, w) stack from rows of numbers. */
const one = (rows: number[][]): MapsInput => ({ data: Float32Array.from(rows.flat()), shape: [1, rows.length, rows[0].length] });

/** A deterministic pseudo-random float32 map stack. */
function noise(n: number, h: number, w: number, seed: number): { data: Float32Array; shape: number[] } {
  let s = seed >>> 0;
  const data = new Float32Array(n * h * w);
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s / 2 ** 32 - 0.5;
  }
  return { data, shape: [n, h, w] };
}

test('reference pairs: ssim (gaussian, min-max), spearman, spearman_abs, topk_jaccard agree with skimage/SciPy to 1e-6', async () => {
  assert.is(ref.k, 78);
  const metrics = parseMetrics('ssim,spearman,spearman_abs,topk_jaccard');
  let checked = 0;
  for (const [pair, want] of Object.entries(ref.pairs)) {
    const [x, y] = pair.split('__vs__');
    const r = await similarity(maps(x), maps(y), { metrics });
    near(r.ssim.scores, want.ssim_gauss_minmax, 1e-6, `${pair} ssim`);
    near(r.spearman.scores, want.spearman, 1e-6, `${pair} spearman`);
    near(r.spearman_abs.scores, want.spearman_abs, 1e-6, `${pair} spearman_abs`);
    near(r.topk_jaccard.scores, want.topk_jaccard, 1e-6, `${pair} topk_jaccard`);
    for (const k of Object.keys(r)) assert.ok(r[k].reasons.every((q) => q === null), `${pair} ${k}: no degenerate pair`);
    checked++;
  }
  assert.is(checked, 8);
});

test('reference pairs: k = 78 as a count gives the same top-k Jaccard as frac 0.1 of 784 pixels', async () => {
  const [pair, want] = Object.entries(ref.pairs)[1];
  const [x, y] = pair.split('__vs__');
  const r = await similarity(maps(x), maps(y), { metrics: [{ name: 'topk_jaccard', k: 78 }, { name: 'topk_jaccard', key: 'k79', k: 79 }] });
  near(r.topk_jaccard.scores, want.topk_jaccard, 1e-12, 'k=78');
  assert.ok(Array.from(r.k79.scores).some((v, i) => v !== want.topk_jaccard[i]), 'k = 79 differs somewhere');
});

const extra = JSON.parse(readFileSync(fixture('similarity', 'extra.json'), 'utf8')) as {
  shape: number[]; unmasked: Record<string, number>[]; masked: Record<string, number>[];
};
const EXTRA_METRICS = [
  'ssim', { name: 'ssim', key: 'ssim_uniform', window: 'uniform' }, 'spearman', 'spearman_abs', 'pearson', 'cosine', 'l2',
  'topk_jaccard', { name: 'topk_jaccard', key: 'topk_signed', signed: true },
] as const;
const EXTRA_KEYS: Record<string, string> = {
  ssim: 'ssim_gauss', ssim_uniform: 'ssim_uniform', spearman: 'spearman', spearman_abs: 'spearman_abs', pearson: 'pearson',
  cosine: 'cosine', l2: 'l2', topk_jaccard: 'topk_jaccard', topk_signed: 'topk_signed',
};

for (const masked of [false, true]) {
  test(`33x40 maps with ties, -0.0, flat backgrounds${masked ? ', masked' : ''}: every metric agrees with skimage/SciPy/NumPy`, async () => {
    const a = { data: readF32(fixture('similarity', 'extra_a.bin')), shape: extra.shape };
    const b = { data: readF32(fixture('similarity', 'extra_b.bin')), shape: extra.shape };
    const maskBytes = readFileSync(fixture('similarity', 'extra_mask.bin'));
    const mask = masked ? { data: new Uint8Array(maskBytes.buffer, maskBytes.byteOffset, maskBytes.length), shape: extra.shape } : undefined;
    const r = await similarity(a, b, { metrics: [...EXTRA_METRICS], mask });
    const want = masked ? extra.masked : extra.unmasked;
    for (const [key, refKey] of Object.entries(EXTRA_KEYS)) near(r[key].scores, want.map((p) => p[refKey]), 1e-9, `${key}${masked ? ' masked' : ''}`);
  });
}

/** Mean SSIM computed window by window (SPEC.md section 5; the kernels' separable filters and
 * column strips are not used): maps min-max scaled over the valid region and zero elsewhere, local
 * statistics as weighted means over each window's valid pixels (outside the frame: valid zeros),
 * averaged over valid output positions (Gaussian: those at least 5 px from the border). */
function directSsim(a: ArrayLike<number>, b: ArrayLike<number>, valid: ArrayLike<number> | null, h: number, w: number, gaussian: boolean): number {
  const r = 5, C1 = 1e-4, C2 = 9e-4;
  const g = Array.from({ length: 11 }, (_, t) => (gaussian ? Math.exp(-0.5 * (t - r) ** 2 / 2.25) : 1));
  const gs = g.reduce((s, v) => s + v, 0);
  const wt = g.map((v) => v / gs);
  const ok = (p: number) => !valid || valid[p] !== 0;
  const scaled = (x: ArrayLike<number>) => {
    let lo = Infinity, hi = -Infinity;
    for (let p = 0; p < h * w; p++) if (ok(p)) { lo = Math.min(lo, x[p]); hi = Math.max(hi, x[p]); }
    const range = hi > lo ? hi - lo : 1;
    return Array.from({ length: h * w }, (_, p) => (ok(p) ? (x[p] - lo) / range : 0));
  };
  const A = scaled(a), B = scaled(b);
  let total = 0, count = 0;
  for (let y = gaussian ? r : 0; y < (gaussian ? h - r : h); y++) {
    for (let x = gaussian ? r : 0; x < (gaussian ? w - r : w); x++) {
      if (!ok(y * w + x)) continue;
      let wv = 0, ma = 0, mb = 0, mss = 0, mab = 0;
      for (let i = -r; i <= r; i++) for (let j = -r; j <= r; j++) {
        const yy = y + i, xx = x + j, k = wt[i + r] * wt[j + r];
        const inside = yy >= 0 && yy < h && xx >= 0 && xx < w;
        if (inside && !ok(yy * w + xx)) continue;
        wv += k;
        if (!inside) continue;
        const p = yy * w + xx;
        ma += k * A[p]; mb += k * B[p]; mss += k * (A[p] ** 2 + B[p] ** 2); mab += k * A[p] * B[p];
      }
      const ux = ma / wv, uy = mb / wv, sq = ux * ux + uy * uy;
      total += ((2 * ux * uy + C1) * (2 * (mab / wv - ux * uy) + C2)) / ((sq + C1) * (mss / wv - sq + C2));
      count++;
    }
  }
  return total / count;
}

test('SSIM on maps wider and taller than a strip equals the window-by-window computation (Gaussian, uniform, masked)', async () => {
  const n = 2, h = 70, w = 150;  // 150 columns: strips of 64, 64 and the rest
  const a = noise(n, h, w, 71), b = noise(n, h, w, 72);
  for (let i = 0; i < a.data.length; i++) b.data[i] = 0.7 * a.data[i] + 0.3 * b.data[i] + (i % 97 === 0 ? 0.4 : 0);
  const mask = new Uint8Array(n * h * w);
  for (let i = 0; i < n; i++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    mask[i * h * w + y * w + x] = (x - 70 - 9 * i) ** 2 / 60 ** 2 + (y - 34) ** 2 / 30 ** 2 < 1 ? 1 : 0;
  }
  const metrics = ['ssim', { name: 'ssim', key: 'uniform', window: 'uniform' }] as const;
  for (const masked of [false, true]) {
    const r = await similarity(a, b, { metrics: [...metrics], mask: masked ? { data: mask, shape: [n, h, w] } : undefined });
    for (let i = 0; i < n; i++) {
      const at = (x: Float32Array | Uint8Array) => x.subarray(i * h * w, (i + 1) * h * w);
      for (const [key, gaussian] of [['ssim', true], ['uniform', false]] as const) {
        const want = directSsim(at(a.data), at(b.data), masked ? at(mask) : null, h, w, gaussian);
        assert.ok(Math.abs(r[key].scores[i] - want) < 1e-12, `${key}${masked ? ' masked' : ''} [${i}]: ${r[key].scores[i]} vs ${want}`);
        assert.ok(want > 0.3 && want < 0.99, `a pair that is neither equal nor unrelated: ${want}`);
      }
    }
  }
});

test('a map of more than 2^22 values (the 64-bit key sort): spearman and top-k by counting per level', async () => {
  const h = 2049, w = 2048, size = h * w;  // 4,196,352 values > 2^22
  let s = 7;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 26);  // 0..63
  const a = new Float32Array(size), b = new Float32Array(size);
  for (let i = 0; i < size; i++) { a[i] = next() - 31.5; b[i] = (a[i] + next() - 31.5) / 2; }
  // Values are multiples of 1/2 in [-31.5, 31.5]: code 2v + 63 in 0..126. Average ranks by
  // counting per code: below + (equal + 1) / 2.
  const code = (v: number) => 2 * v + 63;
  const ranks = (x: Float32Array) => {
    const count = new Float64Array(127), rank = new Float64Array(127);
    for (const v of x) count[code(v)]++;
    for (let c = 0, below = 0; c < 127; below += count[c], c++) rank[c] = below + (count[c] + 1) / 2;
    return rank;
  };
  const ra = ranks(a), rb = ranks(b), mean = (size + 1) / 2;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < size; i++) {
    const x = ra[code(a[i])] - mean, y = rb[code(b[i])] - mean;
    sab += x * y; saa += x * x; sbb += y * y;
  }
  // the k largest |values|, ties by lower index: whole levels from the top, then the lowest indices
  // of the level the k-th falls in
  const k = 1000;
  const top = (x: Float32Array) => {
    const count = new Float64Array(64);  // by 2|v|
    for (const v of x) count[2 * Math.abs(v)]++;
    let left = k, cut = 63;
    for (; count[cut] < left; cut--) left -= count[cut];
    const out = new Set<number>();
    for (let i = 0; i < size; i++) {
      const c = 2 * Math.abs(x[i]);
      if (c > cut || (c === cut && left-- > 0)) out.add(i);
    }
    return out;
  };
  const ta = top(a), tb = top(b);
  const both = [...ta].filter((i) => tb.has(i)).length;
  const r = await similarity({ data: a, shape: [1, h, w] }, { data: b, shape: [1, h, w] }, { metrics: ['spearman', { name: 'topk_jaccard', k }] });
  const want = sab / Math.sqrt(saa * sbb);
  assert.ok(Math.abs(r.spearman.scores[0] - want) < 1e-9, `spearman ${r.spearman.scores[0]} vs ${want}`);
  assert.is(r.topk_jaccard.scores[0], both / (2 * k - both));
  assert.ok(both > 0 && both < k, `a top-k overlap that is neither empty nor whole: ${both}`);
});

test('a pair identical on the mask but different outside it scores 1 on every metric (l2: 0)', async () => {
  const n = 3, h = 24, w = 21;
  const a = noise(n, h, w, 1), b = noise(n, h, w, 2);
  const mask = new Uint8Array(n * h * w);
  for (let i = 0; i < n; i++) for (let y = 3; y < 15; y++) for (let x = 2 + i; x < 13; x++) mask[i * h * w + y * w + x] = 1;
  for (let i = 0; i < mask.length; i++) if (mask[i]) b.data[i] = a.data[i];
  const metrics = [
    'ssim', { name: 'ssim', key: 'ssim_uniform', window: 'uniform' }, 'spearman', 'spearman_abs', 'topk_jaccard',
    { name: 'topk_jaccard', key: 'topk_signed', signed: true }, 'pearson', 'cosine', 'l2', 'fass',
  ] as const;
  const r = await similarity(a, b, { metrics: [...metrics], mask: { data: mask, shape: [n, h, w] } });
  for (const key of Object.keys(r)) near(r[key].scores, new Array(n).fill(key === 'l2' ? 0 : 1), 1e-12, key);
  // without the mask the differing pixels count
  const all = await similarity(a, b, { metrics: [...metrics] });
  for (const key of Object.keys(all)) {
    for (const v of all[key].scores) assert.ok(key === 'l2' ? v > 0.1 : v < 0.9, `${key} unmasked: ${v}`);
  }
});

test('the mask sets k: k = floor(0.1 x valid pixels), ties broken by index', async () => {
  // a: strictly decreasing with the index; b: the same five largest, then increasing
  const a = new Float32Array(100), b = new Float32Array(100);
  for (let p = 0; p < 100; p++) { a[p] = 100 - p; b[p] = p < 5 ? 1000 - p : p; }
  const mask = new Uint8Array(100).fill(1, 0, 50);  // the top five rows
  const A = { data: a, shape: [1, 10, 10] }, B = { data: b, shape: [1, 10, 10] };
  const full = await similarity(A, B, { metrics: ['topk_jaccard'] });
  assert.is(full.topk_jaccard.scores[0], 5 / 15, 'k = 10: {0..9} vs {0..4, 95..99}');
  const half = await similarity(A, B, { metrics: ['topk_jaccard', { name: 'topk_jaccard', key: 'k10', k: 10 }], mask: { data: mask, shape: [1, 10, 10] } });
  assert.is(half.topk_jaccard.scores[0], 1, 'k = 5 of 50 valid: {0..4} both');
  assert.is(half.k10.scores[0], 5 / 15, 'k = 10 within the mask: {0..9} vs {0..4, 45..49}');
});

test('top-k ties: equal |values| are taken in index order, by |value| or signed', async () => {
  const a = one([[1, -1, 1, -1, 1], [1, -1, 1, -1, 1]]);
  const b = one([[0.5, 1, 1, 1, 0], [0, 0, 0, 0, 0]]);
  const r = await similarity(a, b, { metrics: [{ name: 'topk_jaccard', k: 3 }, { name: 'topk_jaccard', key: 'signed', k: 3, signed: true }, { name: 'topk_jaccard', key: 'k1' }] });
  assert.is(r.topk_jaccard.scores[0], 2 / 4, '|a|: {0,1,2} vs {1,2,3}');
  assert.is(r.signed.scores[0], 1 / 5, 'a: {0,2,4} vs {1,2,3}');
  assert.is(r.k1.scores[0], 0, 'k = max(1, floor(0.1 x 10)) = 1: {0} vs {1}');
  // the same ties at the end of the map: the lower indices win
  const c = one([[0, 0, 5, 1, 1, 1, 1]]), d = one([[0, 0, 5, 0, 0, 1, 1]]);
  const s = await similarity(c, d, { metrics: [{ name: 'topk_jaccard', k: 3 }] });
  assert.is(s.topk_jaccard.scores[0], 1 / 5, '{2,3,4} vs {2,5,6}');
});

test('top-k from a radix selection, from the signed sort Spearman shares, or from the |value| sort: the same sets', async () => {
  // tie-heavy maps: values from {-2, -1, -0, 0, 1, 2} and a float64 (non-float32) variant
  const n = 5, h = 30, w = 31;
  const a = noise(n, h, w, 51), b = noise(n, h, w, 52);
  for (let i = 0; i < a.data.length; i++) {
    a.data[i] = Math.round(a.data[i] * 5) / 2 || (i % 2 ? -0 : 0);
    b.data[i] = Math.round(b.data[i] * 5) / 2;
  }
  const a64 = { data: Float64Array.from(a.data, (v, i) => (i % 7 === 0 ? v + 1e-12 : v)), shape: a.shape };
  for (const [x, what] of [[a, 'float32'], [a64, 'float64']] as const) {
    for (const signed of [false, true]) {
      for (const k of [1, 37, 93, 400]) {
        const t = { name: 'topk_jaccard', k, signed };
        const alone = await similarity(x, b, { metrics: [t] });
        const withSigned = await similarity(x, b, { metrics: [t, 'spearman'] });
        const withAbs = await similarity(x, b, { metrics: [t, 'spearman_abs'] });
        const tag = `${what} signed=${signed} k=${k}`;
        near(withSigned.topk_jaccard.scores, alone.topk_jaccard.scores, 0, `${tag}: from the signed order`);
        near(withAbs.topk_jaccard.scores, alone.topk_jaccard.scores, 0, `${tag}: with the |value| order`);
      }
    }
  }
  // and by hand on a small case where |value| ties span both signs: a = [-2, 2, 1, -2, 0, 2], k = 3
  // |a| order, ties by index: 0, 1, 3 (then 5); b = [0, 2, 0, 2, 0, 2] -> 1, 3, 5
  const r = await similarity(one([[-2, 2, 1, -2, 0, 2]]), one([[0, 2, 0, 2, 0, 2]]), { metrics: [{ name: 'topk_jaccard', k: 3 }, 'spearman'] });
  assert.is(r.topk_jaccard.scores[0], 2 / 4);
});

test('spearman with ties equals the Pearson correlation of hand-computed average ranks', async () => {
  // a = 1 2 2 3 3 3 -> ranks 1 2.5 2.5 5 5 5; b = 1 1 2 2 3 4 -> ranks 1.5 1.5 3.5 3.5 5 6
  const r = await similarity(one([[1, 2, 2], [3, 3, 3]]), one([[1, 1, 2], [2, 3, 4]]), { metrics: ['spearman', 'spearman_abs'] });
  assert.ok(Math.abs(r.spearman.scores[0] - 13 / Math.sqrt(15 * 16.5)) < 1e-15, String(r.spearman.scores[0]));
  // |.| changes nothing here
  assert.ok(Math.abs(r.spearman_abs.scores[0] - 13 / Math.sqrt(15 * 16.5)) < 1e-15);
  // signs: -2 and 2 tie under abs
  const s = await similarity(one([[-2, 2, 1, 0]]), one([[1, 2, 3, 4]]), { metrics: ['spearman', 'spearman_abs'] });
  // a ranks 1 4 3 2 vs 1 2 3 4: rho = 1 - 6 * (0 + 4 + 0 + 4) / (4 * 15) = 0.2
  assert.ok(Math.abs(s.spearman.scores[0] - 0.2) < 1e-15, String(s.spearman.scores[0]));
  // |a| ranks 3.5 3.5 2 1: deviations 1 1 -0.5 -1.5 vs -1.5 -0.5 0.5 1.5 -> -4.5 / sqrt(4.5 * 5)
  assert.ok(Math.abs(s.spearman_abs.scores[0] - -4.5 / Math.sqrt(4.5 * 5)) < 1e-15, String(s.spearman_abs.scores[0]));
});

test('spearman on tie-heavy maps (float32 and float64 keys, signed and |value|) equals Pearson of average ranks', async () => {
  const n = 4, h = 9, w = 13, size = h * w;
  const a = noise(n, h, w, 61), b = noise(n, h, w, 62);
  for (let i = 0; i < a.data.length; i++) {
    a.data[i] = Math.round(a.data[i] * 6) / 2;
    b.data[i] = Math.round(b.data[i] * 9) / 4;
  }
  const b64 = { data: Float64Array.from(b.data, (v, i) => (i % 5 === 0 ? v + 1e-9 : v)), shape: b.shape };
  const ranks = (x: ArrayLike<number>): number[] => Array.from(x, (v) => {
    let below = 0, equal = 0;
    for (let j = 0; j < x.length; j++) { below += x[j] < v ? 1 : 0; equal += x[j] === v ? 1 : 0; }
    return below + (equal + 1) / 2;
  });
  const pearson = (x: number[], y: number[]) => {
    const mx = x.reduce((s, v) => s + v, 0) / x.length, my = y.reduce((s, v) => s + v, 0) / y.length;
    let sxy = 0, sxx = 0, syy = 0;
    for (let i = 0; i < x.length; i++) { sxy += (x[i] - mx) * (y[i] - my); sxx += (x[i] - mx) ** 2; syy += (y[i] - my) ** 2; }
    return sxy / Math.sqrt(sxx * syy);
  };
  for (const [y, what] of [[b, 'float32'], [b64, 'float64']] as const) {
    const r = await similarity(a, y, { metrics: ['spearman', 'spearman_abs'] });
    for (let i = 0; i < n; i++) {
      const ai = Array.from(a.data.subarray(i * size, (i + 1) * size)), yi = Array.from(y.data.subarray(i * size, (i + 1) * size));
      const want = pearson(ranks(ai), ranks(yi)), wantAbs = pearson(ranks(ai.map(Math.abs)), ranks(yi.map(Math.abs)));
      assert.ok(Math.abs(r.spearman.scores[i] - want) < 1e-12, `${what} [${i}]: ${r.spearman.scores[i]} vs ${want}`);
      assert.ok(Math.abs(r.spearman_abs.scores[i] - wantAbs) < 1e-12, `${what} abs [${i}]: ${r.spearman_abs.scores[i]} vs ${wantAbs}`);
    }
  }
});

test('constant maps: correlations are NaN with a reason, never 0; ssim follows the reference (zeros)', async () => {
  const c = one(Array.from({ length: 12 }, () => new Array(12).fill(0.5)));
  const v = noise(1, 12, 12, 5);
  const r = await similarity(c, v, { metrics: ['ssim', 'spearman', 'pearson', 'cosine', 'l2', 'topk_jaccard', 'fass'] });
  assert.ok(Number.isNaN(r.spearman.scores[0]));
  assert.is(r.spearman.reasons[0], 'constant map a on the valid region');
  assert.ok(Number.isNaN(r.pearson.scores[0]));
  assert.is(r.pearson.reasons[0], 'constant map a on the valid region');
  assert.ok(Number.isNaN(r.fass.scores[0]));
  assert.is(r.fass.reasons[0], 'spearman: constant map a on the valid region');
  for (const k of ['ssim', 'cosine', 'l2', 'topk_jaccard']) {
    assert.ok(Number.isFinite(r[k].scores[0]), `${k} is defined`);
    assert.is(r[k].reasons[0], null);
  }
  const back = await similarity(v, c, { metrics: ['spearman'] });
  assert.is(back.spearman.reasons[0], 'constant map b on the valid region');
  const zero = await similarity(one(Array.from({ length: 12 }, () => new Array(12).fill(0))), v, { metrics: ['cosine', 'l2', 'spearman_abs'] });
  assert.is(zero.cosine.reasons[0], 'map a is zero on the valid region');
  assert.match(zero.l2.reasons[0] ?? '', /map a is zero/);
  assert.is(zero.spearman_abs.reasons[0], 'constant |map a| on the valid region');
  // two constant maps: both scale to zeros, and SSIM of equal maps is 1
  const both = await similarity(c, c, { metrics: ['ssim'] });
  assert.is(both.ssim.scores[0], 1);
});

test('an empty valid region gives NaN for every metric; the other pairs of the batch are unaffected', async () => {
  const a = noise(3, 16, 16, 11), b = noise(3, 16, 16, 12);
  const mask = new Float32Array(3 * 256).fill(1);
  mask.fill(0, 256, 512);  // pair 1: nothing valid
  const metrics = ['ssim', 'spearman', 'topk_jaccard', 'pearson', 'cosine', 'l2', 'fass'];
  const r = await similarity(a, b, { metrics, mask: { data: mask, shape: [3, 1, 16, 16] } });
  const alone = await similarity({ data: a.data.slice(512), shape: [1, 16, 16] }, { data: b.data.slice(512), shape: [1, 16, 16] }, { metrics });
  for (const k of metrics) {
    assert.ok(Number.isNaN(r[k].scores[1]), k);
    assert.ok(r[k].reasons[1]?.endsWith('empty valid region'), `${k}: ${r[k].reasons[1]}`);
    assert.ok(Number.isFinite(r[k].scores[0]) && r[k].reasons[0] === null, k);
    assert.is(r[k].scores[2], alone[k].scores[0], `${k}: a pair scores the same alone and in a batch`);
  }
  const sum = summarise(r.spearman);
  assert.is(sum.n_valid, 2);
  assert.equal(sum.degenerate, [{ index: 1, reason: 'empty valid region' }]);
  assert.ok(Math.abs(sum.mean - (r.spearman.scores[0] + r.spearman.scores[2]) / 2) < 1e-15);
});

test('ssim: no valid pixel inside the 5 px border is NaN with a reason; non-finite values are NaN only on the valid region', async () => {
  const a = noise(1, 14, 14, 3), b = noise(1, 14, 14, 4);
  const ring = new Uint8Array(196).fill(1);
  for (let y = 5; y < 9; y++) for (let x = 5; x < 9; x++) ring[y * 14 + x] = 0;
  const r = await similarity(a, b, { metrics: ['ssim', { name: 'ssim', key: 'uniform', window: 'uniform' }, 'spearman'], mask: { data: ring, shape: [14, 14] } });
  assert.ok(Number.isNaN(r.ssim.scores[0]));
  assert.match(r.ssim.reasons[0] ?? '', /inside the SSIM border/);
  assert.ok(Number.isFinite(r.uniform.scores[0]) && Number.isFinite(r.spearman.scores[0]));
  // a NaN outside the mask is ignored, inside it is reported
  const bad = noise(1, 14, 14, 3);
  bad.data[0] = NaN;
  const inside = await similarity(bad, b, { metrics: ['spearman', 'ssim'] });
  assert.is(inside.spearman.reasons[0], 'non-finite values in map a on the valid region');
  assert.is(inside.ssim.reasons[0], 'non-finite values in map a on the valid region');
  const mask = new Uint8Array(196).fill(1);
  mask[0] = 0;
  const outside = await similarity(bad, b, { metrics: ['spearman'], mask: { data: mask, shape: [1, 14, 14] } });
  assert.ok(Number.isFinite(outside.spearman.scores[0]));
});

test('uniform window (fass-paper): 11 x 11 mean with zero padding, mean over every position, by hand', async () => {
  // 1 x 13 maps: a = e_0, b = e_12 (already in [0,1]). The window at x holds pixel 0 iff x <= 5 and
  // pixel 12 iff x >= 7: positions 0..5 and 7..12 see one unit pixel among 121 cells, 6 sees none.
  const a = new Float32Array(13), b = new Float32Array(13);
  a[0] = 1;
  b[12] = 1;
  const C1 = 1e-4, C2 = 9e-4;
  const mu = 1 / 121, va = 1 / 121 - mu * mu;
  const s1 = (C1 * C2) / ((mu * mu + C1) * (va + C2));  // the other map is zero there
  const want = (12 * s1 + 1) / 13;
  const r = await similarity({ data: a, shape: [1, 1, 13] }, { data: b, shape: [1, 1, 13] }, { metrics: [{ name: 'ssim', window: 'uniform' }] });
  assert.ok(Math.abs(r.ssim.scores[0] - want) < 1e-12, `${r.ssim.scores[0]} vs ${want}`);
  // two pixels in every window: a = [0, 1], b = [1, 0]
  const t = await similarity(one([[0, 1]]), one([[1, 0]]), { metrics: [{ name: 'ssim', window: 'uniform' }] });
  const m2 = 1 / 121, v2 = 1 / 121 - m2 * m2, cov = -m2 * m2;
  const want2 = ((2 * m2 * m2 + C1) * (2 * cov + C2)) / ((2 * m2 * m2 + C1) * (2 * v2 + C2));
  assert.ok(Math.abs(t.ssim.scores[0] - want2) < 1e-12, `${t.ssim.scores[0]} vs ${want2}`);
  // the Gaussian window refuses maps smaller than 11 x 11
  await throwsWith(similarity(one([[0, 1]]), one([[1, 0]]), { metrics: ['ssim'] }), UserError, '11 x 11', '1 x 2');
});

test('min-max normalisation is per sample, over its own valid region', async () => {
  const a = noise(2, 16, 16, 21), b = noise(2, 16, 16, 22);
  const scaled = { data: Float64Array.from(a.data), shape: a.shape };
  for (let i = 256; i < 512; i++) scaled.data[i] = scaled.data[i] * 1000 + 7;  // pair 1 only, affine (exact in float64)
  const r1 = await similarity(a, b, { metrics: ['ssim', 'spearman', 'topk_jaccard'] });
  const r2 = await similarity(scaled, b, { metrics: ['ssim', 'spearman', 'topk_jaccard'] });
  assert.ok(Math.abs(r1.ssim.scores[1] - r2.ssim.scores[1]) < 1e-12, 'ssim is invariant to an affine change of one sample');
  assert.is(r1.ssim.scores[0], r2.ssim.scores[0], 'and the other sample is untouched');
  assert.is(r1.spearman.scores[1], r2.spearman.scores[1]);
});

test('channel reductions: sum, abs-sum, mean, l2 match the reduced maps; none stacks channels as rows', async () => {
  const n = 2, c = 3, h = 12, w = 13;
  const a = noise(n, c * h, w, 31), b = noise(n, c * h, w, 32);
  const a4 = { data: a.data, shape: [n, c, h, w] }, b4 = { data: b.data, shape: [n, c, h, w] };
  const reduce = (x: Float32Array, f: (v: number[]) => number) => {
    const out = new Float64Array(n * h * w);
    for (let i = 0; i < n; i++) for (let p = 0; p < h * w; p++) out[i * h * w + p] = f(Array.from({ length: c }, (_, k) => x[(i * c + k) * h * w + p]));
    return { data: out, shape: [n, h, w] };
  };
  const fns: Record<string, (v: number[]) => number> = {
    sum: (v) => v.reduce((s, x) => s + x, 0), 'abs-sum': (v) => v.reduce((s, x) => s + Math.abs(x), 0),
    mean: (v) => v.reduce((s, x) => s + x, 0) / v.length, l2: (v) => Math.sqrt(v.reduce((s, x) => s + x * x, 0)),
  };
  const metrics = ['ssim', 'spearman', 'pearson', 'topk_jaccard'];
  for (const [name, f] of Object.entries(fns)) {
    const got = await similarity(a4, b4, { metrics, reduce: name as 'sum' });
    const want = await similarity(reduce(a.data, f), reduce(b.data, f), { metrics });
    for (const k of metrics) near(got[k].scores, want[k].scores, 1e-12, `${name} ${k}`);
  }
  const none = await similarity(a4, b4, { metrics, reduce: 'none' });
  const stacked = await similarity(a, b, { metrics });
  for (const k of metrics) near(none[k].scores, stacked[k].scores, 0, `none ${k}`);
  // a (N,H,W) mask is repeated over the channels under none
  const mask = new Uint8Array(n * h * w).fill(1);
  mask.fill(0, 0, 20);
  const m3 = await similarity(a4, b4, { metrics, reduce: 'none', mask: { data: mask, shape: [n, h, w] } });
  const rep = new Uint8Array(n * c * h * w);
  for (let i = 0; i < n; i++) for (let k = 0; k < c; k++) rep.set(mask.subarray(i * h * w, (i + 1) * h * w), (i * c + k) * h * w);
  const m4 = await similarity(a, b, { metrics, mask: { data: rep, shape: [n, c * h, w] } });
  for (const k of metrics) near(m3[k].scores, m4[k].scores, 0, `none+mask ${k}`);
});

test('fass composite = (ssim + (spearman + 1)/2 + topk_jaccard) / 3 with the parts\' parameters', async () => {
  const a = noise(4, 20, 20, 41), b = noise(4, 20, 20, 42);
  for (let i = 0; i < a.data.length; i++) b.data[i] = 0.6 * a.data[i] + 0.4 * b.data[i];
  const r = await similarity(a, b, { metrics: ['ssim', 'spearman', 'topk_jaccard', 'fass', { name: 'fass', key: 'paper', window: 'uniform', k: 40, signed: true }, { name: 'ssim', key: 'su', window: 'uniform' }, { name: 'topk_jaccard', key: 'tp', k: 40, signed: true }] });
  for (let i = 0; i < 4; i++) {
    const want = (r.ssim.scores[i] + (r.spearman.scores[i] + 1) / 2 + r.topk_jaccard.scores[i]) / 3;
    assert.ok(Math.abs(r.fass.scores[i] - want) < 1e-15);
    const paper = (r.su.scores[i] + (r.spearman.scores[i] + 1) / 2 + r.tp.scores[i]) / 3;
    assert.ok(Math.abs(r.paper.scores[i] - paper) < 1e-15);
  }
});

test('metrics are configured objects with a direction; bad names, parameters and shapes are UserErrors', async () => {
  assert.is(SIMILARITY_METRICS.l2.higherIsBetter, false);
  for (const name of ['ssim', 'spearman', 'topk_jaccard', 'pearson', 'cosine', 'fass'] as const) assert.is(SIMILARITY_METRICS[name].higherIsBetter, true);
  const m = similarityMetric('spearman_abs');
  assert.is(m.name, 'spearman');
  assert.is(m.key, 'spearman_abs');
  assert.equal(m.params, { abs: true });
  assert.is(similarityMetric({ name: 'spearman', abs: true }).key, 'spearman_abs');
  assert.is(similarityMetric('l2').higherIsBetter, false);
  // Quantus-style: a metric scores a batch by itself
  const s = await similarityMetric({ name: 'topk_jaccard', k: 3 }).score(one([[1, -1, 1, -1, 1], [1, -1, 1, -1, 1]]), one([[0.5, 1, 1, 1, 0], [0, 0, 0, 0, 0]]));
  assert.is(s.scores[0], 0.5);
  assert.is(s.metric.key, 'topk_jaccard');
  await throwsWith(() => similarityMetric('jaccard'), UserError, "unknown similarity metric 'jaccard'", 'topk_jaccard');
  await throwsWith(() => similarityMetric({ name: 'topk_jaccard', frac: 1.5 }), UserError, 'frac 1.5', '(0, 1]');
  await throwsWith(() => similarityMetric({ name: 'topk_jaccard', frac: 0.2, k: 5 }), UserError, 'not both');
  await throwsWith(() => similarityMetric({ name: 'ssim', window: 'box' }), UserError, 'window "box"');
  await throwsWith(() => similarityMetric({ name: 'pearson', abs: true }), UserError, 'abs');
  await throwsWith(() => parseMetrics('ssim,ssim'), UserError, "'ssim' is named twice");
  const a = noise(2, 12, 12, 1);
  await throwsWith(similarity(a, noise(2, 12, 13, 2), { metrics: ['spearman'] }), UserError, '[2, 12, 12]', '[2, 12, 13]');
  await throwsWith(similarity(a, noise(2, 12, 12, 2), { metrics: ['spearman'], mask: { data: new Uint8Array(3 * 144), shape: [3, 12, 12] } }), UserError, 'mask', '[3, 12, 12]');
});

test.run();
