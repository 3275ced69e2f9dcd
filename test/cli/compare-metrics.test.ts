/**
 * fass compare-metrics end to end on tiny settings: the reference CNN against a deliberately poor
 * one (5 training steps), 4 images, 3 cheap methods, a tiny GAN. Checks the JSON's shape, one tau
 * per metric in [-1, 1], the report, resume (a rerun redoes nothing and gives the same rankings),
 * and the messages for bad --models and --metrics.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, hasFashionMnist, reference, skip, tempDir } from '../helpers.js';
import type { CompareResult } from '../../src/pipeline/compare-metrics.js';

const dir = tempDir('compare-metrics');
const poor = join(dir, 'poor.pt');
const out = join(dir, 'cmp');
const METRICS = ['osr', 'max_sensitivity', 'avg_sensitivity', 'local_lipschitz', 'fass', 'deletion', 'insertion'];
const TINY = ['--data', 'fashion-mnist:test', '--n', '4', '--methods', 'saliency,input_x_gradient,gradcam',
  '--gan-epochs', '1', '--gan-copies', '768', '--gan-samples', '8', '--samples', '2', '--perturbations', 'hflip,brightness:1.2', '--quiet'];

test('bad --models: none, one, three, the same file twice, a missing file', async () => {
  const base = ['compare-metrics', '--data', 'synthetic:4', '--methods', 'saliency', '--out', join(dir, 'bad'), '--quiet'];
  const none = await cli(base);
  assert.is(none.code, 2);
  assert.match(none.stderr, /--models \(none\): expected exactly two models/);
  const one = await cli([...base, '--models', reference.torchscript()]);
  assert.is(one.code, 2);
  assert.match(one.stderr, /expected exactly two models, the well-trained one first, e\.g\. --models good\.pt poor\.pt; got 1/);
  const three = await cli([...base, '--models', 'a.pt', 'b.pt', 'c.pt']);
  assert.match(three.stderr, /--models a\.pt b\.pt c\.pt: expected exactly two models.*got 3/);
  const same = await cli([...base, '--models', reference.torchscript(), reference.torchscript()]);
  assert.is(same.code, 2);
  assert.match(same.stderr, /both name the same file/);
  const missing = await cli([...base, '--models', reference.torchscript(), join(dir, 'nope.pt')]);
  assert.is(missing.code, 2);
  assert.match(missing.stderr, /nope\.pt: model file not found/);
  const metric = await cli([...base, '--models', reference.torchscript(), reference.onnx(), '--metrics', 'osr,wobble']);
  assert.is(metric.code, 2);
  assert.match(metric.stderr, /unknown metric 'wobble': expected some of osr, max_sensitivity/);
  const onnx = await cli([...base, '--models', reference.torchscript(), reference.onnx(), '--metrics', 'osr']);
  assert.is(onnx.code, 2);
  assert.match(onnx.stderr, /fashion_cnn_good\.onnx: osr need a TorchScript/);
  assert.not.ok(existsSync(join(dir, 'bad', 'compare.json')));
});

test('the full-size configuration validates and prints its plan (--dry-run)', async () => {
  const r = await cli(['compare-metrics', '--models', reference.torchscript(), reference.onnx(), '--data', 'synthetic:200', '--metrics', 'max_sensitivity,avg_sensitivity,local_lipschitz,fass',
    '--methods', 'saliency,input_x_gradient,integrated_gradients,smoothgrad,gradient_shap,gradcam,occlusion,lime', '--out', join(dir, 'plan'), '--dry-run', '--json']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /8 methods x 200 images x 2 models/);
  assert.match(r.stderr, /stability \(fass\): 30 perturbations/);
  const j = JSON.parse(r.stdout);
  assert.equal(j.phases, ['robustness', 'stability']);
  assert.not.ok(existsSync(join(dir, 'plan', 'compare.json')));
});

test('two models, tiny settings: rankings and one tau per metric; report; a rerun resumes', async () => {
  if (!hasFashionMnist()) return skip('Fashion-MNIST is not installed');
  const t = await cli(['train', '--steps', '5', '--out', poor, '--quiet']);
  assert.is(t.code, 0, t.stderr);
  const args = ['compare-metrics', '--models', reference.torchscript(), poor, ...TINY, '--out', out, '--json'];
  const r = await cli(args);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /\[1\/8\] fashion_cnn_good: robustness/);
  assert.match(r.stderr, /\[8\/8\] poor: osr/);
  assert.match(r.stderr, /OSR tau -?\d\.\d\d vs max_sensitivity tau/);
  const j = JSON.parse(r.stdout) as CompareResult;
  assert.equal(j.models.map((m) => m.label), ['fashion_cnn_good', 'poor']);
  assert.equal(j.metrics, METRICS);
  assert.equal(j.comparisons.map((c) => c.metric), METRICS);
  for (const c of j.comparisons) {
    assert.is(c.higherIsBetter, c.metric === 'fass' || c.metric === 'insertion', c.metric);
    for (const side of c.rankings) {
      assert.equal(side.map((m) => m.method).sort(), ['gradcam', 'input_x_gradient', 'saliency'], c.metric);
      assert.equal(side.map((m) => m.rank), [1, 2, 3], c.metric);
      assert.ok(side.every((m) => typeof m.mean === 'number' && m.n > 0), c.metric);
      const means = side.map((m) => m.mean!);
      assert.ok(means.every((v, i) => i === 0 || (c.higherIsBetter ? v <= means[i - 1] : v >= means[i - 1])), `${c.metric}: ordered by the metric's direction`);
    }
    assert.ok(c.agreement.tau !== null && c.agreement.tau >= -1 && c.agreement.tau <= 1, `${c.metric}: tau ${c.agreement.tau}`);
    assert.is(c.agreement.n, 3);
  }
  assert.is(j.timings.length, 8);
  for (const m of ['fashion_cnn_good', 'poor']) for (const p of ['osr', 'robustness', 'faithfulness', 'stability']) assert.ok(existsSync(join(out, m, `${p}.duckdb`)), `${m}/${p}`);
  const file = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8')) as CompareResult;
  assert.equal(file.comparisons, j.comparisons);
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  assert.match(html, /<svg/);
  assert.match(html, /Kendall/);
  assert.ok(!html.includes('<script'));

  const t0 = Date.now();
  const again = await cli(args);
  assert.is(again.code, 0, again.stderr);
  const j2 = JSON.parse(again.stdout) as CompareResult;
  assert.equal(j2.comparisons, j.comparisons);
  assert.equal(j2.verdict, j.verdict);
  assert.ok(j2.timings.every((x) => x.samples === 0 && x.resumedFrom === 4), 'the rerun did nothing');
  assert.ok(Date.now() - t0 < 30_000, 'the rerun is quick');

  const rep = await cli(['report', join(out, 'compare.json'), '--out', join(dir, 'r.html')]);
  assert.is(rep.code, 0, rep.stderr);
  assert.match(readFileSync(join(dir, 'r.html'), 'utf8'), /fass compare-metrics: fashion_cnn_good vs poor/);
});

test.run();
