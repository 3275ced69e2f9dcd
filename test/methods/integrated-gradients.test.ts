/** integrated_gradients against Captum (maps and completeness gaps), closed forms, baselines. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { integratedGradients, IG_RULES } from '../../src/methods/integrated-gradients.js';
import { assertClose, fixture, readF32, reference, skip, tempDir, throwsWith } from '../helpers.js';
import { UserError } from '../../src/errors.js';
import { writeNpy } from '../../src/util/npy.js';
import { configure } from '../../src/methods/registry.js';
import { relErrors } from '../../bench/ig-auto.js';
import { join } from 'node:path';
import { linear, referenceInput, referenceModel, run } from './fixtures.js';

/** Completeness gaps are differences of logits: compare them on the logits' scale. */
function assertGapsClose(gaps: Float32Array, ref: Float32Array, what: string) {
  const logits = reference.logits();
  const scale = Math.max(...reference.pred().map((t, s) => Math.abs(logits[s * 10 + t])));
  gaps.forEach((g, s) => assert.ok(Math.abs(g - ref[s]) <= 1e-5 * scale, `${what} sample ${s}: ${g} vs ${ref[s]} (scale ${scale})`));
}

const ig = (params: object) => async () => run(integratedGradients, await referenceModel(), referenceInput(), { n_steps: 32, ...params });

test('riemann_trapezoid: maps and completeness gaps match Captum within 1e-5', async () => {
  const r = await ig({ method: 'riemann_trapezoid' })();
  assertClose(r.maps, readF32(fixture('reference', 'ig_riemann_trapezoid.bin')), 1e-5, 'maps');
  assertGapsClose(r.extras!.completeness_gap, readF32(fixture('reference', 'ig_riemann_trapezoid_delta.bin')), 'gap');
  assert.is(r.cost.backwardPasses, 16 * 32);
  assert.is(r.cost.forwardPasses, 16 * 32 + 32); // the path, then f(x) and f(x0) for the gap
});

test('gausslegendre: matches Captum within 1e-5 but for one sample whose path crosses a tie', async () => {
  const r = await ig({ method: 'gausslegendre' })();
  const ref = readF32(fixture('reference', 'ig_gausslegendre.bin'));
  // One path point of sample 2 lies on a ReLU/max-pool tie that the reference machine's kernels
  // broke the other way; PyTorch on this machine computes exactly our numbers (next test).
  const max = ref.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const off: number[] = [];
  ref.forEach((v, i) => { if (Math.abs(r.maps[i] - v) > 1e-5 * max) off.push(i); });
  assert.ok(off.every((i) => Math.floor(i / 784) === 2), `elements off in samples ${[...new Set(off.map((i) => Math.floor(i / 784)))]}`);
  assert.ok(off.length <= 16, `${off.length} elements off`);
  off.forEach((i) => assert.ok(Math.abs(r.maps[i] - ref[i]) <= 1e-4 * max));
  assertGapsClose(r.extras!.completeness_gap, readF32(fixture('reference', 'ig_gausslegendre_delta.bin')), 'gap');
});

test("gausslegendre equals Captum's algorithm run by PyTorch on this machine", async () => {
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch, numpy'], { encoding: 'utf8' });
  if (probe.status !== 0) return skip('IG replica check: /usr/bin/python3 with torch is absent (apt-get install python3-torch)');
  const dir = tempDir('ig'), out = join(dir, 'ig.bin');
  // Captum 0.8's IntegratedGradients._attribute, line for line, without Captum itself.
  const script = `
import sys, numpy as np, torch
torch.set_num_threads(2)
m = torch.jit.load(sys.argv[1]).eval()
x = torch.from_numpy(np.fromfile(sys.argv[2], dtype=np.float32).reshape(16, 1, 28, 28))
t = torch.from_numpy(np.fromfile(sys.argv[3], dtype=np.int64))
xs, ws = np.polynomial.legendre.leggauss(32)
alphas, steps = list(0.5 * (1 + xs)), list(0.5 * ws)
b = torch.zeros_like(x)
sf = torch.cat([b + a * (x - b) for a in alphas], dim=0).requires_grad_()
g, = torch.autograd.grad(m(sf).gather(1, t.repeat(32).view(-1, 1)).sum(), sf)
tot = (g.contiguous().view(32, -1) * torch.tensor(steps).float().view(32, 1)).reshape(32, 16, 1, 28, 28).sum(0)
(tot * (x - b)).numpy().astype(np.float32).tofile(sys.argv[4])`;
  const r = spawnSync('/usr/bin/python3', ['-c', script, fixture('reference', 'fashion_cnn_good.ts.pt'), fixture('data', 'images16.bin'), fixture('reference', 'pred.bin'), out], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  const ours = await ig({ method: 'gausslegendre' })();
  assertClose(ours.maps, readF32(out), 1e-6, 'fass vs the PyTorch replica');
});

test('linear model: IG = (sum of weights) (x - x0) W[t] for every rule; the gap is what the rule misses', async () => {
  const m = await linear.model(), input = linear.input();
  const w = linear.weightMaps(input);
  for (const method of IG_RULES) {
    for (const n of [2, 7, 32]) {
      const r = await run(integratedGradients, m, input, { n_steps: n, method });
      // Captum's trapezoid weights are 1/n halved at both ends: they sum to 1 - 1/n.
      const total = method === 'riemann_trapezoid' ? 1 - 1 / n : 1;
      assertClose(r.maps, w.map((v, i) => total * v * input.data[i]), 1e-5, `${method} n=${n}`);
      r.extras!.completeness_gap.forEach((gap, s) => {
        const fx = w.slice(s * 64, s * 64 + 64).reduce((a, v, j) => a + v * input.data[s * 64 + j], 0);
        assert.ok(Math.abs(gap - (total - 1) * fx) < 1e-4, `${method} n=${n} sample ${s}: gap ${gap}, expected ${(total - 1) * fx}`);
      });
    }
  }
});

test('linear model: baselines mean and file give (x - x0) W[t]', async () => {
  const m = await linear.model(), input = linear.input();
  const w = linear.weightMaps(input);
  const mean = await run(integratedGradients, m, input, { n_steps: 8, baseline: 'mean' }, { meanColour: new Float32Array([0.25]) });
  assertClose(mean.maps, w.map((v, i) => v * (input.data[i] - 0.25)), 1e-5, 'mean');
  const file = join(tempDir('ig-baseline'), 'b.npy');
  const img = Float32Array.from({ length: 64 }, (_, i) => (i % 8) / 8);
  writeNpy(file, { dtype: 'float32', data: img, shape: [1, 8, 8] });
  const fr = await run(integratedGradients, m, input, { n_steps: 8, baseline: file });
  assertClose(fr.maps, w.map((v, i) => v * (input.data[i] - img[i % 64])), 1e-5, 'file');
  // blur of the input: its own closed form is (x - blur(x)) W, so the sum of the map equals f(x) - f(blur x)
  const blur = await run(integratedGradients, m, input, { n_steps: 8, baseline: 'blur' });
  blur.extras!.completeness_gap.forEach((g) => assert.ok(Math.abs(g) < 1e-4, `blur gap ${g}`));
});

test('bad parameters are refused with the value and what is accepted', async () => {
  const m = await linear.model(), input = linear.input();
  await throwsWith(run(integratedGradients, m, input, { baseline: 'purple' }), UserError, "baseline 'purple'", 'black, mean');
  await throwsWith(run(integratedGradients, m, input, { baseline: 'mean' }), UserError, 'mean colour');
  assert.throws(() => integratedGradients.params.parse({ method: 'simpson' }));
});

// n_steps auto: the midpoint rule at n = 6, 18, 54, ..., each image until its map settles.

test('auto, linear model: the gradient is constant, so every image stops at the second level with the exact map', async () => {
  const m = await linear.model(), input = linear.input();
  const w = linear.weightMaps(input);
  const r = await run(integratedGradients, m, input, { n_steps: 'auto', tolerance: 1e-3 });
  assertClose(r.maps, w.map((v, i) => v * input.data[i]), 1e-5, 'map');
  assert.equal(Array.from(r.extras!.steps), [18, 18, 18, 18]);
  assert.equal(Array.from(r.extras!.converged), [1, 1, 1, 1]);
  r.extras!.completeness_gap.forEach((g, s) => assert.ok(Math.abs(g) < 1e-4, `sample ${s}: gap ${g}`));
  // 6 nodes, then the 12 new ones of 18 (the 6 are reused); 2 forwards more for the gap.
  assert.is(r.cost.backwardPasses, 4 * 18);
  assert.is(r.cost.forwardPasses, 4 * 18 + 8);
});

test('auto, reference CNN: each map is riemann_middle at its own steps, settled within the tolerance, and within it of 512 steps', async () => {
  const model = await referenceModel(), input = referenceInput();
  const tol = 0.02;
  const r = await run(integratedGradients, model, input, { n_steps: 'auto', tolerance: tol });
  const { steps, change, converged, completeness_gap: gap } = r.extras!;
  const delta = await run(integratedGradients, model, input, { n_steps: 6, method: 'riemann_middle' });
  const byLevel = new Map<number, Float32Array>();
  for (const n of new Set(steps)) byLevel.set(n, (await run(integratedGradients, model, input, { n_steps: n, method: 'riemann_middle' })).maps);
  const ref = (await run(integratedGradients, model, input, { n_steps: 512 })).maps;
  const errors = relErrors(r.maps, ref, 16);
  for (let s = 0; s < 16; s++) {
    const level = byLevel.get(steps[s])!.subarray(s * 784, (s + 1) * 784);
    assertClose(r.maps.subarray(s * 784, (s + 1) * 784), level, 1e-5, `sample ${s} at ${steps[s]} steps`);
    assert.is(converged[s], 1, `sample ${s} did not settle by 486 steps`);
    assert.ok(change[s] <= tol, `sample ${s}: moved ${change[s]}`);
    // f(x) - f(x0) from a fixed-step call: its gap is sum(map) - (f(x) - f(x0)).
    const fDiff = delta.maps.subarray(s * 784, (s + 1) * 784).reduce((a, v) => a + v, 0) - delta.extras!.completeness_gap[s];
    assert.ok(Math.abs(gap[s]) <= tol * Math.abs(fDiff) + 1e-5, `sample ${s}: gap ${gap[s]} against f(x) - f(x0) = ${fDiff}`);
    assert.ok(errors[s] <= tol, `sample ${s}: ${errors[s]} from 512 Gauss-Legendre steps`);
  }
  assert.ok(new Set(steps).size > 1, 'images stop at different levels');
  assert.is(r.cost.backwardPasses, steps.reduce((a, v) => a + v, 0));
});

test('auto: maps, steps and gaps do not depend on the batch or the internal batch size', async () => {
  const model = await referenceModel(), input = referenceInput();
  const all = await run(integratedGradients, model, input, { n_steps: 'auto', tolerance: 0.05 });
  const half = (lo: number, hi: number) => ({ ...input, data: input.data.slice(lo * 784, hi * 784), shape: [hi - lo, 1, 28, 28] as [number, number, number, number], targets: input.targets.slice(lo, hi), seeds: input.seeds.slice(lo, hi) });
  const parts = [await run(integratedGradients, model, half(0, 5), { n_steps: 'auto', tolerance: 0.05 }, { internalBatchSize: 7 }),
    await run(integratedGradients, model, half(5, 16), { n_steps: 'auto', tolerance: 0.05 })];
  const joined = (f: (a: typeof all) => Float32Array) => Float32Array.from(parts.flatMap((p) => Array.from(f(p))));
  assert.equal(joined((p) => p.maps), all.maps, 'maps bit-identical');
  assert.equal(joined((p) => p.extras!.steps), all.extras!.steps);
  assert.equal(joined((p) => p.extras!.completeness_gap), all.extras!.completeness_gap);
});

test('auto: parameters that do not apply are refused, and its defaults are stated', async () => {
  await throwsWith(() => configure({ name: 'integrated_gradients', n_steps: 32, tolerance: 0.01 }), UserError, 'tolerance', 'n_steps auto only');
  await throwsWith(() => configure({ name: 'integrated_gradients', n_steps: 'auto', method: 'gausslegendre' }), UserError, 'method', 'riemann_middle');
  await throwsWith(() => configure({ name: 'integrated_gradients', n_steps: 'auto', max_steps: 5 }), UserError, 'max_steps');
  await throwsWith(() => configure({ name: 'integrated_gradients', n_steps: 'many' }), UserError, 'n_steps');
  assert.equal(configure({ name: 'integrated_gradients', n_steps: 'auto' }).params, { n_steps: 'auto', method: 'riemann_middle', tolerance: 0.01, max_steps: 486, baseline: 'black' });
  // A fixed n_steps keeps exactly the parameters it had (run files written before auto still resume).
  assert.equal(configure({ name: 'integrated_gradients' }).params, { n_steps: 50, method: 'gausslegendre', baseline: 'black' });
});

test.run();
