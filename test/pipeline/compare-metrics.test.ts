/** compare-metrics' pure parts: metric parsing, phases, folder names, the verdict sentence. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UserError } from '../../src/errors.js';
import { modelLabels, parseCompareMetrics, phasesFor, verdict, type MetricComparison } from '../../src/pipeline/compare-metrics.js';
import { throwsWith } from '../helpers.js';

const cmp = (metric: string, tau: number | null): MetricComparison => ({
  metric: metric as MetricComparison['metric'], higherIsBetter: false, rankings: [[], []],
  agreement: { tau, n: 8, excluded: [], reason: tau === null ? 'every value of the second ranking is tied' : null },
});

test('metrics: canonical order, unknown and repeated names refused', async () => {
  assert.equal(parseCompareMetrics('insertion, osr'), ['osr', 'insertion']);
  await throwsWith(() => parseCompareMetrics('osr,ros'), UserError, "unknown metric 'ros'", 'osr, max_sensitivity');
  await throwsWith(() => parseCompareMetrics('osr,osr'), UserError, 'named twice');
  await throwsWith(() => parseCompareMetrics(''), UserError, 'empty');
  assert.equal(phasesFor(['osr', 'fass', 'max_sensitivity', 'local_lipschitz']), ['robustness', 'stability', 'osr']);
  assert.equal(phasesFor(['deletion']), ['faithfulness']);
});

test('model folders: file names without extensions, disambiguated when equal', () => {
  assert.equal(modelLabels(['models/fashion-cnn.pt', 'x/fashion_cnn_good.ts.pt']), ['fashion-cnn', 'fashion_cnn_good']);
  assert.equal(modelLabels(['a/m.pt', 'b/m.pt']), ['m-a', 'm-b']);
  assert.equal(modelLabels(['a/my model<1>.pt', 'b.onnx']), ['my_model_1_', 'b']);
});

test('verdict: the claim holds, fails, ties, holds in part, or cannot be judged', () => {
  assert.match(verdict([cmp('osr', 0.93), cmp('max_sensitivity', 0.21)]), /^OSR tau 0\.93 vs max_sensitivity tau 0\.21 \(8 methods\): OSR rankings agree more .* as the OSR paper claims\.$/);
  assert.match(verdict([cmp('osr', 0.1), cmp('max_sensitivity', 0.5)]), /agree less .* against the OSR paper's claim/);
  assert.match(verdict([cmp('osr', 1), cmp('max_sensitivity', 1)]), /exactly as much/);
  assert.match(verdict([cmp('osr', 0.5), cmp('max_sensitivity', 0.2), cmp('avg_sensitivity', 0.7)]), /more than max_sensitivity, less than avg_sensitivity: .* only in part/);
  assert.match(verdict([cmp('osr', null), cmp('max_sensitivity', 0.2)]), /OSR tau is undefined \(every value/);
  assert.match(verdict([cmp('max_sensitivity', 0.2)]), /not tested/);
  assert.match(verdict([cmp('osr', 0.4)]), /no sensitivity metric/);
});

test.run();
