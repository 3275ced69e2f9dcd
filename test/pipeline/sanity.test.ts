/**
 * fass sanity (model-parameter randomisation, issue 15): each layer re-initialised exactly as
 * PyTorch's reset_parameters does after torch.manual_seed, in Quantus's top-down order, and
 * Quantus's measure along the cascade (Spearman of |saliency|) as eager PyTorch and SciPy give it
 * (fixture from scripts/make-sanity-fixture.py); closed forms (the input control stays at 1, a
 * linear model's saliency decorrelates); the same rows whatever the batch size.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openDataset } from '../../src/data/index.js';
import { configure } from '../../src/methods/registry.js';
import { saliency } from '../../src/methods/saliency.js';
import { similarity } from '../../src/metrics/similarity.js';
import { TorchModel } from '../../src/models/torch-model.js';
import { cascade, runSanity, SANITY_METRICS } from '../../src/pipeline/sanity.js';
import { RunFile } from '../../src/store/run-file.js';
import { summariseSanity } from '../../src/store/sanity-aggregate.js';
import { linear } from '../methods/fixtures.js';
import { cli, fixture, reference, tempDir } from '../helpers.js';

const dir = tempDir('sanity');
const want = JSON.parse(readFileSync(fixture('sanity', 'reset.json'), 'utf8')) as {
  top_down: string[]; layers: Record<string, { seed: number; params: Record<string, { first: number[]; sum: number; sumsq: number }> }>;
  saliency_spearman_abs: number[][];
};

test('the cascade is Quantus\'s top-down order on the reference CNN: fc2, fc1, conv2, conv1', async () => {
  const m = await TorchModel.load(reference.torchscript(), { threads: 1 });
  assert.equal(cascade(m).map((l) => l.name), ['fc2', 'fc1', 'conv2', 'conv1']);
  assert.equal(cascade(m).map((l) => l.name), want.top_down);
  assert.equal(cascade(m).map((l) => l.kind), ['Linear', 'Linear', 'Conv2d', 'Conv2d']);
});

test('resetLayer gives the weights PyTorch\'s reset_parameters gives after torch.manual_seed(seed)', async () => {
  const m = await TorchModel.load(reference.torchscript(), { threads: 1 });
  for (const [name, l] of Object.entries(want.layers)) m.handle.resetLayer(name, l.seed);
  const got = new Map(m.parameters().map((p) => [p.name, p.data]));
  for (const [name, l] of Object.entries(want.layers)) {
    for (const [p, w] of Object.entries(l.params)) {
      const v = got.get(`${name}.${p}`)!;
      assert.equal(Array.from(v.slice(0, 8)), w.first.map((x) => Math.fround(x)), `${name}.${p}`);
      const sum = v.reduce((a, b) => a + b, 0), sumsq = v.reduce((a, b) => a + b * b, 0);
      assert.ok(Math.abs(sum - w.sum) < 1e-9 * v.length + 1e-9, `${name}.${p} sum ${sum} vs ${w.sum}`);
      assert.ok(Math.abs(sumsq - w.sumsq) < 1e-9 * v.length + 1e-9, `${name}.${p} sumsq`);
    }
  }
  const fresh = await TorchModel.load(reference.torchscript(), { threads: 1 });
  m.handle.copyParametersFrom(fresh.handle);
  assert.equal(m.parameters().map((p) => Array.from(p.data.slice(0, 4))), fresh.parameters().map((p) => Array.from(p.data.slice(0, 4))), 'copyParametersFrom undoes the resets');
});

test('Quantus\'s cascade for saliency on the 16 reference images: the same Spearman |map| at every step as eager PyTorch + SciPy', async () => {
  const trained = await TorchModel.load(reference.torchscript(), { threads: 1 });
  const copy = await trained.copy();
  const input = { data: reference.images(), shape: [16, 1, 28, 28] as [number, number, number, number], targets: Int32Array.from(reference.pred()), seeds: new Uint32Array(16) };
  const clean = await saliency.run(trained, input, { abs: true }, {});
  for (const [step, layer] of cascade(copy).entries()) {
    copy.handle.resetLayer(layer.name, want.layers[layer.name].seed);
    const r = await saliency.run(copy, input, { abs: true }, {});
    const sim = await similarity({ data: clean.maps, shape: clean.shape }, { data: r.maps, shape: r.shape }, { metrics: SANITY_METRICS.slice(0, 1), reduce: 'sum' });
    want.saliency_spearman_abs[step].forEach((rho, i) => assert.ok(Math.abs(sim.spearman_abs.scores[i] - rho) < 1e-3, `${layer.name}, image ${i}: ${sim.spearman_abs.scores[i]} vs ${rho}`));
  }
});

test('a linear model\'s saliency after randomisation: Spearman with the trained map is 0 in expectation (5-sigma bound over 20 seeds)', async () => {
  const trained = await linear.model();
  const copy = await trained.copy();
  const input = linear.input(1);
  const clean = await saliency.run(trained, input, { abs: true }, {});
  let sum = 0;
  const seeds = 20;
  for (let s = 0; s < seeds; s++) {
    copy.handle.copyParametersFrom(trained.handle);
    for (const l of cascade(copy)) copy.handle.resetLayer(l.name, 1000 + s);
    const r = await saliency.run(copy, input, { abs: true }, {});
    const sim = await similarity({ data: clean.maps, shape: clean.shape }, { data: r.maps, shape: r.shape }, { metrics: SANITY_METRICS.slice(0, 1), reduce: 'sum' });  // 8 x 8 maps: no SSIM window
    sum += sim.spearman_abs.scores[0];
  }
  // |W'[t]| is independent of |W[t]| (64 values): Spearman sd about 1/sqrt(63) = 0.126 per seed, 0.028 over 20.
  assert.ok(Math.abs(sum / seeds) < 5 * 0.126 / Math.sqrt(seeds), `mean Spearman ${sum / seeds}`);
});

async function rows(path: string): Promise<string> {
  const f = await RunFile.read(path);
  try {
    return JSON.stringify(await f.query('SELECT * EXCLUDE (sample_id) FROM sanity ORDER BY sample_index, method, step'));
  } finally {
    f.close();
  }
}

test('a run: input stays at 1 at every step; the same rows whatever the batch size; report', async () => {
  const model = await TorchModel.load(reference.torchscript(), { threads: 1 });
  const data = await openDataset('synthetic:10:1x28x28:10');
  const methods = ['saliency', 'input', 'gradcam'].map((name) => configure({ name }));
  const a = join(dir, 'a.duckdb'), b = join(dir, 'b.duckdb');
  await runSanity({ model, data, methods, reduce: 'sum', seed: 3, batchSize: 4, out: a });
  await runSanity({ model, data, methods, reduce: 'sum', seed: 3, batchSize: 7, out: b });
  assert.is(await rows(a), await rows(b));
  const f = await RunFile.read(a);
  const s = await summariseSanity(f, 3);
  f.close();
  assert.equal(s.layers, ['fc2', 'fc1', 'conv2', 'conv1']);
  const input = s.methods.find((m) => m.method === 'input')!;
  for (const st of input.steps) assert.is(st.spearman_abs.mean, 1, `input at ${st.layer}`);
  assert.is(input.rank, 3, 'the model-blind control ranks last');
  const sal = s.methods.find((m) => m.method === 'saliency')!;
  assert.ok(sal.full!.spearman_abs.mean! < 0.5, `saliency at full randomisation ${sal.full!.spearman_abs.mean}`);
  const r = await cli(['report', a, '--out', join(dir, 'sanity.html')]);
  assert.is(r.code, 0, r.stderr);
  assert.match(readFileSync(join(dir, 'sanity.html'), 'utf8'), /Model-parameter randomisation/);
});

test('ONNX models are refused before any work', async () => {
  const r = await cli(['sanity', '--model', reference.onnx(), '--data', 'synthetic:2:1x28x28:10', '--methods', 'occlusion', '--out', join(dir, 'onnx.duckdb')]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /needs a TorchScript model/);
});

test.run();
