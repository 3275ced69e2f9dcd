/** The ONNX forward twin: export of the reference CNN, its card record, and TorchModel's routing. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { OnnxModel, TorchModel } from '../../src/models/index.js';
import { referenceCnnOnnx } from '../../src/models/onnx-export.js';
import { findForwardTwin, writeForwardTwin } from '../../src/models/forward-twin.js';
import { UserError } from '../../src/errors.js';
import { cli, fixture, maxDiff, reference, tempDir, throwsWith } from '../helpers.js';
import { RunFile } from '../../src/store/run-file.js';
import { openDataset } from '../../src/data/index.js';
import { configure } from '../../src/methods/registry.js';
import { presetValues } from '../../src/config/presets.js';
import { parsePerturbations } from '../../src/perturb/index.js';
import { runStability } from '../../src/pipeline/stability.js';

const SHAPE: [number, number, number] = [1, 28, 28];

/** A copy of the reference TorchScript model with a twin and a card beside it. */
async function withTwin(): Promise<{ dir: string; pt: string }> {
  const dir = tempDir('twin');
  const pt = join(dir, 'm.pt');
  copyFileSync(reference.torchscript(), pt);
  const torch = await TorchModel.load(pt, { onnxForward: false });
  const record = writeForwardTwin(pt, torch.parameters(), SHAPE);
  writeFileSync(join(dir, 'm.json'), JSON.stringify({ format: 'fass-model-card/1', architecture: { name: 'reference-cnn', layers: '' }, input_shape: SHAPE, forward_onnx: record }));
  return { dir, pt };
}

test('exported reference CNN: onnxruntime gives the reference logits within 1e-5, and LibTorch\'s', async () => {
  const torch = await TorchModel.load(reference.torchscript(), { onnxForward: false });
  const dir = tempDir('onnx-export');
  writeFileSync(join(dir, 'm.onnx'), referenceCnnOnnx(torch.parameters(), SHAPE, { note: 'test' }));
  const ort = await OnnxModel.load(join(dir, 'm.onnx'), { threads: 2 });
  assert.equal(ort.inputShape, SHAPE);
  const x = reference.images();
  const got = await ort.predict(x, [16, ...SHAPE]);
  assert.ok(maxDiff(got.data, reference.logits()) < 1e-5, `vs reference ${maxDiff(got.data, reference.logits())}`);
  const lt = await torch.predict(x, [16, ...SHAPE]);
  assert.ok(maxDiff(got.data, lt.data) < 1e-5, `vs LibTorch ${maxDiff(got.data, lt.data)}`);
});

test('export refuses a model that is not the reference CNN, naming its parameters', async () => {
  const nested = await TorchModel.load(fixture('models', 'nested.ts.pt'), { onnxForward: false });
  await throwsWith(() => referenceCnnOnnx(nested.parameters(), [3, 32, 32]), UserError, 'reference CNN only', 'layer4');
});

test('TorchModel routes gradient-free calls to a matching twin, and only then', async () => {
  const { dir, pt } = await withTwin();
  const m = await TorchModel.load(pt);
  assert.is(m.forwardBackend, 'onnxruntime', m.twinReason);
  const x = reference.images();
  const a = await m.predict(x, [16, ...SHAPE]);
  assert.ok(maxDiff(a.data, reference.logits()) < 1e-5);
  assert.is((await TorchModel.load(pt, { onnxForward: false })).forwardBackend, 'libtorch');
  // An edited model file no longer matches its twin: LibTorch runs, and the reason says why.
  appendFileSync(pt, Buffer.from([0]));
  const f = findForwardTwin(pt);
  assert.ok('reason' in f && f.reason.includes('changed'), JSON.stringify(f));
  assert.ok('reason' in findForwardTwin(join(dir, 'absent.pt')));
});

test('twin logits of a row do not depend on the batch it came in (bit for bit)', async () => {
  const { pt } = await withTwin();
  const m = await TorchModel.load(pt);
  const x = reference.images();
  const all = await m.predict(x, [16, ...SHAPE]);
  for (const [lo, hi] of [[0, 1], [3, 8], [8, 16]]) {
    const part = await m.predict(x.subarray(lo * 784, hi * 784), [hi - lo, ...SHAPE]);
    assert.equal(Array.from(part.data), Array.from(all.data.subarray(lo * 10, hi * 10)), `rows ${lo}..${hi}`);
  }
});


test('splitThreads: with a twin, LibTorch and onnxruntime get half the threads each; without one, LibTorch keeps them', async () => {
  const { pt } = await withTwin();
  assert.is((await TorchModel.load(pt, { threads: 4, splitThreads: true })).threads, 2);
  assert.is((await TorchModel.load(pt, { threads: 4 })).threads, 4);
  assert.is((await TorchModel.load(pt, { threads: 4, splitThreads: true, onnxForward: false })).threads, 4);
});

test('stability lanes: forward-only and gradient methods side by side give the rows each gives alone', async () => {
  // With a twin, occlusion (onnxruntime) runs beside saliency (LibTorch), one thread each.
  const { dir, pt } = await withTwin();
  const args = ['--model', pt, '--data', 'synthetic:12', '--perturbations', 'rotate:10,brightness:1.5', '--threads', '2', '--quiet'];
  const rowsOf = async (methods: string, method: string) => {
    const out = join(dir, `${methods.replace(',', '-')}.duckdb`);
    const r = await cli(['stability', ...args, '--methods', methods, '--out', out]);
    assert.is(r.code, 0, r.stderr);
    const f = await RunFile.read(out);
    try {
      return JSON.stringify(await f.query(`SELECT * EXCLUDE (sample_id) FROM pairs WHERE method = '${method}' ORDER BY sample_index, perturbation`));
    } finally {
      f.close();
    }
  };
  const both = { saliency: await rowsOf('saliency,occlusion', 'saliency'), occlusion: await rowsOf('saliency,occlusion', 'occlusion') };
  assert.ok(both.occlusion.includes('"kept"'));
  assert.is(both.saliency, await rowsOf('saliency', 'saliency'));
  assert.is(both.occlusion, await rowsOf('occlusion', 'occlusion'));
});

test('profiled lanes: the forward lane takes the gradient lane\'s cores once that is done, and the limit shares the passes out over both', async () => {
  const { pt } = await withTwin();
  const model = await TorchModel.load(pt, { threads: 2, splitThreads: true });
  assert.is(model.twinSpares, 1);
  const { metrics, reduce } = presetValues('default');
  const r = await runStability({
    model, data: await openDataset('synthetic:12:1x28x28:10'), methods: ['saliency', 'occlusion'].map((name) => configure({ name })),
    perturbations: parsePerturbations('rotate:10,brightness:1.5'), metrics, reduce, filter: { kind: 'none' }, controls: 'none',
    seed: 0, batchSize: 12, gallery: 0, out: join(tempDir('lanes-profile'), 'run.duckdb'), profile: true,
  });
  const p = r.profile!, raw = (n: string) => p.phases[n].limit_s! * (p.phases[n].sessions ?? 1);
  // Saliency is over long before occlusion: occlusion has the spare session for part of its time.
  assert.ok(p.phases.occlusion.sessions! > 1 && p.phases.occlusion.sessions! <= 2, `occlusion's sessions ${p.phases.occlusion.sessions}`);
  assert.is(p.phases.saliency.sessions, undefined);
  const g = raw('saliency'), f = raw('occlusion'), outside = raw('predict');
  assert.ok(Math.abs(p.limit_s! - (outside + Math.max(g, (g + f) / 2))) < 1e-9, `limit ${p.limit_s} vs ${outside} + max(${g}, (${g} + ${f}) / 2)`);
  for (const m of ['saliency', 'occlusion']) assert.ok(p.phases[m].fraction_of_limit! <= 1 + 1e-9, `${m}: ${p.phases[m].fraction_of_limit}`);
});

test.run();
