/** fass compare: JSON scores against the reference, masks and degenerate pairs, refusals. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeNpy } from '../../src/util/npy.js';
import { cli, fixture, readF32, tempDir } from '../helpers.js';

const dir = tempDir('compare');
const ref = JSON.parse(readFileSync(fixture('similarity', 'similarity.json'), 'utf8')).pairs['saliency_abs__vs__input_x_gradient'] as Record<string, number[]>;
const A = join(dir, 'a.npy'), B = join(dir, 'b.npy');
writeNpy(A, { dtype: 'float32', data: readF32(fixture('reference', 'saliency_abs.bin')), shape: [16, 1, 28, 28] });
writeNpy(B, { dtype: 'float32', data: readF32(fixture('reference', 'input_x_gradient.bin')), shape: [16, 1, 28, 28] });

function near(got: (number | null)[], want: number[], tol: number, what: string): void {
  assert.is(got.length, want.length, what);
  got.forEach((v, i) => assert.ok(v !== null && Math.abs(v - want[i]) <= tol, `${what}[${i}]: ${v} vs ${want[i]}`));
}

test('--json: per-pair scores agree with the reference; means, counts and directions', async () => {
  const r = await cli(['compare', A, B, '--metrics', 'ssim,spearman,spearman_abs,topk_jaccard,l2', '--json', '--threads', '2']);
  assert.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.is(out.n, 16);
  assert.equal(out.shape, [16, 1, 28, 28]);
  near(out.metrics.ssim.scores, ref.ssim_gauss_minmax, 1e-6, 'ssim');
  near(out.metrics.spearman.scores, ref.spearman, 1e-6, 'spearman');
  near(out.metrics.spearman_abs.scores, ref.spearman_abs, 1e-6, 'spearman_abs');
  near(out.metrics.topk_jaccard.scores, ref.topk_jaccard, 1e-6, 'topk_jaccard');
  const mean = ref.spearman.reduce((s, v) => s + v, 0) / 16;
  assert.ok(Math.abs(out.metrics.spearman.mean - mean) < 1e-9);
  assert.is(out.metrics.spearman.n_valid, 16);
  assert.equal(out.metrics.spearman.degenerate, []);
  assert.is(out.metrics.l2.higher_is_better, false);
  assert.is(out.metrics.ssim.higher_is_better, true);
  // the human table went to stderr
  assert.match(r.stderr, /mean/);
});

test('--topk-k 78 equals the default frac; a mask that empties a pair makes it NaN with its reason', async () => {
  const M = join(dir, 'mask.npy');
  const mask = new Uint8Array(16 * 784).fill(1);
  mask.fill(0, 3 * 784, 4 * 784);  // pair 3
  writeNpy(M, { dtype: 'uint8', data: mask, shape: [16, 28, 28] });
  const r = await cli(['compare', A, B, '--metrics', 'topk_jaccard,fass', '--topk-k', '78', '--mask', M, '--json']);
  assert.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.is(out.metrics.topk_jaccard.scores[3], null);
  assert.equal(out.metrics.topk_jaccard.degenerate, [{ index: 3, reason: 'empty valid region' }]);
  assert.equal(out.metrics.fass.degenerate, [{ index: 3, reason: 'ssim: empty valid region' }]);
  assert.is(out.metrics.topk_jaccard.n_valid, 15);
  const others = out.metrics.topk_jaccard.scores.filter((_: unknown, i: number) => i !== 3);
  near(others, ref.topk_jaccard.filter((_, i) => i !== 3), 1e-12, 'topk k=78');
  const text = await cli(['compare', A, B, '--metrics', 'spearman', '--mask', M]);
  assert.is(text.code, 0, text.stderr);
  assert.match(text.stdout, /spearman: 1 NaN, empty valid region \(pair 3\)/);
  assert.match(text.stdout, /^mean\s/m);
});

test('--reduce none on (N,3,H,W) stacks; --ssim-window uniform', async () => {
  const a3 = join(dir, 'a3.npy'), b3 = join(dir, 'b3.npy');
  const x = readF32(fixture('reference', 'saliency_abs.bin')).slice(0, 4 * 784), y = readF32(fixture('reference', 'ig_gausslegendre.bin')).slice(0, 4 * 784);
  // 4 samples as (2, 2, 28, 28): channels stacked as rows under none
  writeNpy(a3, { dtype: 'float32', data: x, shape: [2, 2, 28, 28] });
  writeNpy(b3, { dtype: 'float32', data: y, shape: [2, 2, 28, 28] });
  const r = await cli(['compare', a3, b3, '--reduce', 'none', '--metrics', 'ssim,spearman', '--ssim-window', 'uniform', '--json']);
  assert.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.metrics.ssim.params, { window: 'uniform' });
  assert.is(out.metrics.spearman.scores.length, 2);
  for (const v of out.metrics.ssim.scores) assert.ok(v > -1 && v < 1);
});

test('a shape mismatch, a bad mask and a bad option exit 2 naming the files and the shapes', async () => {
  const C = join(dir, 'c.npy');
  writeNpy(C, { dtype: 'float32', data: new Float32Array(16 * 784), shape: [16, 28, 28] });
  const r = await cli(['compare', A, C]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /a\.npy has shape \(16, 1, 28, 28\)/);
  assert.match(r.stderr, /c\.npy has shape \(16, 28, 28\)/);
  const M = join(dir, 'badmask.npy');
  writeNpy(M, { dtype: 'uint8', data: new Uint8Array(8 * 784), shape: [8, 28, 28] });
  const m = await cli(['compare', A, B, '--mask', M]);
  assert.is(m.code, 2);
  assert.match(m.stderr, /badmask\.npy has shape \(8, 28, 28\)/);
  const missing = await cli(['compare', A, join(dir, 'nope.npy')]);
  assert.is(missing.code, 2);
  assert.match(missing.stderr, /nope\.npy/);
  const both = await cli(['compare', A, B, '--topk-frac', '0.2', '--topk-k', '5']);
  assert.is(both.code, 2);
  assert.match(both.stderr, /not both/);
  const unknown = await cli(['compare', A, B, '--metrics', 'ssim,emd']);
  assert.is(unknown.code, 2);
  assert.match(unknown.stderr, /unknown similarity metric 'emd'/);
  // options of the commands that run models are refused here, not ignored
  for (const opt of ['--device', '--seed']) {
    const r = await cli(['compare', A, B, opt, opt === '--device' ? 'cuda' : '3']);
    assert.is(r.code, 2, opt);
    assert.match(r.stderr, new RegExp(`Unknown argument: ${opt.slice(2)}`));
  }
});

test.run();
