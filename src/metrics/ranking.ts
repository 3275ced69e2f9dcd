/**
 * Rankings of attribution methods under one metric, and the agreement of two rankings (Kendall's
 * tau-b): what `fass compare-metrics` reports. A method is ranked by its mean in the metric's
 * direction (lower OSR, sensitivity, Lipschitz and deletion are better; higher FASS and insertion),
 * equal means ordered by name. Methods without a finite mean (no scored sample) are listed with
 * the reason and left out of the ranking and of tau.
 */
import { kendallTau, kendallTauReason } from './kendall.js';

export interface MethodMean { method: string; mean: number | null; n: number }
export interface RankedMethod { method: string; mean: number | null; n: number; rank: number | null; reason: string | null }

/** Ranks 1..k of the methods with a finite mean (best first; ties by name); the others get rank null and a reason. */
export function rankMethods(means: MethodMean[], higherIsBetter: boolean): RankedMethod[] {
  const ok = means.filter((m) => m.mean !== null && Number.isFinite(m.mean));
  const sign = higherIsBetter ? -1 : 1;
  ok.sort((a, b) => sign * (a.mean! - b.mean!) || (a.method < b.method ? -1 : a.method > b.method ? 1 : 0));
  const ranked: RankedMethod[] = ok.map((m, i) => ({ method: m.method, mean: m.mean, n: m.n, rank: i + 1, reason: null }));
  const rest = means.filter((m) => !ok.includes(m)).sort((a, b) => (a.method < b.method ? -1 : 1)).map((m): RankedMethod => ({
    method: m.method, mean: m.mean !== null && Number.isNaN(m.mean) ? null : m.mean, n: m.n, rank: null,
    reason: m.n === 0 ? 'no scored sample' : 'mean is not a finite number',
  }));
  return [...ranked, ...rest];
}

export interface RankAgreement {
  /** Kendall's tau-b between the two rankings over the methods ranked under both; null when undefined. */
  tau: number | null;
  /** Methods that entered tau. */
  n: number;
  /** Methods left out (not ranked under one model or both), with the reason. */
  excluded: { method: string; reason: string }[];
  /** Why tau is null, when it is. */
  reason: string | null;
}

/**
 * Tau-b between two rankings of the same methods, computed on their means (equal means are ties,
 * as tau-b counts them; the direction is the same for both models, so it does not change tau).
 */
export function rankAgreement(a: RankedMethod[], b: RankedMethod[], labels: [string, string] = ['A', 'B']): RankAgreement {
  const byB = new Map(b.map((m) => [m.method, m]));
  const names = [...new Set([...a.map((m) => m.method), ...b.map((m) => m.method)])].sort();
  const byA = new Map(a.map((m) => [m.method, m]));
  const excluded: { method: string; reason: string }[] = [];
  const xs: number[] = [], ys: number[] = [];
  for (const name of names) {
    const ma = byA.get(name), mb = byB.get(name);
    const why: string[] = [];
    if (!ma) why.push(`not run under ${labels[0]}`); else if (ma.rank === null) why.push(`${labels[0]}: ${ma.reason}`);
    if (!mb) why.push(`not run under ${labels[1]}`); else if (mb.rank === null) why.push(`${labels[1]}: ${mb.reason}`);
    if (why.length) excluded.push({ method: name, reason: why.join('; ') });
    else { xs.push(ma!.mean!); ys.push(mb!.mean!); }
  }
  const k = kendallTau(xs, ys);
  const reason = kendallTauReason(k);
  return { tau: reason === null ? k.tau : null, n: xs.length, excluded, reason };
}
