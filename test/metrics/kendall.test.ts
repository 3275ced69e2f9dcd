/** Kendall's tau-b against hand counts and scipy.stats.kendalltau; method rankings and their agreement. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kendallTau, kendallTauReason } from '../../src/metrics/kendall.js';
import { rankAgreement, rankMethods } from '../../src/metrics/ranking.js';

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} != ${b}`);

test('tau-b equals scipy.stats.kendalltau on tied and untied data', () => {
  // scipy.stats.kendalltau([1,2,3,4,5], [5,6,7,8,7]).statistic
  close(kendallTau([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]).tau, 0.7378647873726218, 'one tie in y');
  // scipy's documentation example: kendalltau([12, 2, 1, 12, 2], [1, 4, 7, 1, 0]).statistic
  close(kendallTau([12, 2, 1, 12, 2], [1, 4, 7, 1, 0]).tau, -0.47140452079103173, 'ties in both');
});

test('tau-b by hand: counts, perfect agreement and reversal', () => {
  // [1,2,3,4,5] vs [5,6,7,8,7]: 8 concordant, 1 discordant, 1 pair tied in y: 7 / sqrt(10 * 9).
  const r = kendallTau([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]);
  assert.equal([r.concordant, r.discordant, r.tiesX, r.tiesY], [8, 1, 0, 1]);
  close(r.tau, 7 / Math.sqrt(90), 'by hand');
  close(kendallTau([1, 2, 3, 4], [10, 20, 30, 40]).tau, 1, 'agreement');
  close(kendallTau([1, 2, 3, 4], [4, 3, 2, 1]).tau, -1, 'reversal');
  // one swap of four: (5 - 1) / 6
  close(kendallTau([1, 2, 3, 4], [1, 3, 2, 4]).tau, 4 / 6, 'one swap');
  close(kendallTau([0.1, 0.1, 0.3], [1, 1, 2]).tau, 1, 'the same tie on both sides');
});

test('tau-b is undefined (NaN, with a reason) for one value or an all-tied side', () => {
  const one = kendallTau([1], [2]);
  assert.ok(Number.isNaN(one.tau));
  assert.match(kendallTauReason(one)!, /at least 2/);
  const flat = kendallTau([1, 2, 3], [5, 5, 5]);
  assert.ok(Number.isNaN(flat.tau));
  assert.match(kendallTauReason(flat)!, /second ranking is tied/);
  assert.is(kendallTauReason(kendallTau([1, 2], [1, 2])), null);
  assert.throws(() => kendallTau([1, 2], [1]), /2 values against 1/);
});

test('rankMethods: direction, ties by name, methods without data last with a reason', () => {
  const means = [
    { method: 'lime', mean: 0.5, n: 4 }, { method: 'gradcam', mean: 0.2, n: 4 }, { method: 'saliency', mean: 0.2, n: 4 },
    { method: 'occlusion', mean: null, n: 0 }, { method: 'ig', mean: NaN, n: 3 },
  ];
  const lower = rankMethods(means, false);
  assert.equal(lower.map((m) => [m.method, m.rank]), [['gradcam', 1], ['saliency', 2], ['lime', 3], ['ig', null], ['occlusion', null]]);
  assert.is(lower[3].reason, 'mean is not a finite number');
  assert.is(lower[4].reason, 'no scored sample');
  const higher = rankMethods(means, true);
  assert.equal(higher.slice(0, 3).map((m) => m.method), ['lime', 'gradcam', 'saliency']);
});

test('rankAgreement: tau over the methods ranked under both, the rest excluded with reasons', () => {
  const a = rankMethods([{ method: 'a', mean: 1, n: 2 }, { method: 'b', mean: 2, n: 2 }, { method: 'c', mean: 3, n: 2 }, { method: 'd', mean: null, n: 0 }], false);
  const b = rankMethods([{ method: 'a', mean: 10, n: 2 }, { method: 'b', mean: 30, n: 2 }, { method: 'c', mean: 20, n: 2 }, { method: 'd', mean: 5, n: 2 }], false);
  const r = rankAgreement(a, b, ['good', 'poor']);
  close(r.tau!, 1 / 3, 'tau');
  assert.is(r.n, 3);
  assert.equal(r.excluded, [{ method: 'd', reason: 'good: no scored sample' }]);
  assert.is(r.reason, null);
  const two = rankAgreement(a.slice(0, 1), b.slice(0, 1));
  assert.is(two.tau, null);
  assert.match(two.reason!, /at least 2/);
  // Same direction on both sides: flipping it does not change tau.
  const ah = rankMethods([{ method: 'a', mean: 1, n: 1 }, { method: 'b', mean: 2, n: 1 }, { method: 'c', mean: 3, n: 1 }], true);
  const bh = rankMethods([{ method: 'a', mean: 1, n: 1 }, { method: 'b', mean: 3, n: 1 }, { method: 'c', mean: 2, n: 1 }], true);
  close(rankAgreement(ah, bh).tau!, 1 / 3, 'higher is better');
});

test.run();
