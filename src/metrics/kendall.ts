/**
 * Kendall's tau-b between two paired samples, with ties (the statistic `scipy.stats.kendalltau`
 * computes by default): tau_b = (C - D) / sqrt((P - Tx)(P - Ty)), over the P = n(n-1)/2 pairs, C
 * concordant, D discordant, Tx and Ty the pairs tied in x and in y (a pair tied in both counts in
 * both). O(n^2): meant for rankings of a handful of methods. NaN when it is undefined (fewer than
 * two values, or every value of x or of y tied); `kendallTauReason` says why.
 */
export interface KendallTau { tau: number; n: number; concordant: number; discordant: number; tiesX: number; tiesY: number }

export function kendallTau(x: ArrayLike<number>, y: ArrayLike<number>): KendallTau {
  if (x.length !== y.length) throw new RangeError(`kendallTau: ${x.length} values against ${y.length}`);
  const n = x.length;
  let c = 0, d = 0, tx = 0, ty = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const sx = Math.sign(x[j] - x[i]), sy = Math.sign(y[j] - y[i]);
      if (Number.isNaN(sx) || Number.isNaN(sy)) throw new RangeError('kendallTau: NaN values; leave them out first');
      if (sx === 0) tx++;
      if (sy === 0) ty++;
      if (sx !== 0 && sy !== 0) { if (sx === sy) c++; else d++; }
    }
  }
  const p = (n * (n - 1)) / 2;
  const den = Math.sqrt((p - tx) * (p - ty));
  return { tau: n >= 2 && den > 0 ? (c - d) / den : NaN, n, concordant: c, discordant: d, tiesX: tx, tiesY: ty };
}

/** Why tau is undefined for these values, or null when it is defined. */
export function kendallTauReason(r: KendallTau): string | null {
  if (r.n < 2) return `needs at least 2 paired values, got ${r.n}`;
  const p = (r.n * (r.n - 1)) / 2;
  if (r.tiesX === p) return 'every value of the first ranking is tied';
  if (r.tiesY === p) return 'every value of the second ranking is tied';
  return null;
}
