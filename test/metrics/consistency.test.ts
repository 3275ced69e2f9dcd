/** consistency on hand-made vectors: per sample, per class and pooled equal brute-force pairwise cosines. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { consistencyScores, reduceMap } from '../../src/metrics/consistency.js';

const cos = (a: number[], b: number[]) => {
  const d = a.reduce((s, v, i) => s + v * b[i], 0);
  return d / Math.sqrt(a.reduce((s, v) => s + v * v, 0) * b.reduce((s, v) => s + v * v, 0));
};

test('per sample, per class, pooled: brute-force means of pairwise cosines', () => {
  const v = [[1, 0, 0], [1, 1, 0], [0, 2, 1], [3, -1, 2], [1, 2, 3], [0, 0, 0], [5, 5, 5], [1, 2, 2]];
  const labels = [0, 0, 0, 1, 1, 1, 2, -1];
  const r = consistencyScores({ vectors: v.map((x) => Float32Array.from(x)), labels });
  // class 0: three samples; class 1: two usable (sample 5 is zero); class 2: one; sample 7 unlabelled
  const c0 = [cos(v[0], v[1]), cos(v[0], v[2]), cos(v[1], v[2])];
  const c1 = [cos(v[3], v[4])];
  assert.ok(Math.abs(r.perSample[0].score - (c0[0] + c0[1]) / 2) < 1e-12);
  assert.ok(Math.abs(r.perSample[2].score - (c0[1] + c0[2]) / 2) < 1e-12);
  assert.ok(Math.abs(r.perSample[3].score - c1[0]) < 1e-12);
  assert.is(r.perSample[5].status, 'error');
  assert.match(r.perSample[5].reason!, /zero/);
  assert.is(r.perSample[6].status, 'excluded');
  assert.match(r.perSample[6].reason!, /only usable sample of label 2/);
  assert.is(r.perSample[7].status, 'excluded');
  assert.match(r.perSample[7].reason!, /no dataset label/);
  const byLabel = Object.fromEntries(r.perClass.map((c) => [c.label, c]));
  assert.ok(Math.abs(byLabel[0].score - (c0[0] + c0[1] + c0[2]) / 3) < 1e-12);
  assert.ok(Math.abs(byLabel[1].score - c1[0]) < 1e-12);
  assert.ok(Number.isNaN(byLabel[2].score));
  assert.is(r.pooled.pairs, 4);
  assert.ok(Math.abs(r.pooled.score - [...c0, ...c1].reduce((a, b) => a + b, 0) / 4) < 1e-12);
});

test('reduceMap: the channel reductions of SPEC.md section 1', () => {
  const m = Float32Array.from([1, -2, 3, 4, -5, 6]); // C=2, HW=3
  assert.equal(Array.from(reduceMap(m, 2, 3, 'sum')), [5, -7, 9]);
  assert.equal(Array.from(reduceMap(m, 2, 3, 'abs-sum')), [5, 7, 9]);
  assert.equal(Array.from(reduceMap(m, 2, 3, 'mean')), [2.5, -3.5, 4.5]);
  assert.equal(Array.from(reduceMap(m, 2, 3, 'none')), Array.from(m));
});

test.run();
