/**
 * Aggregates of an OSR run file: per method, mean OSR and normalised OSR with seeded bootstrap
 * CIs (rows sorted by sample, so resumed, sharded and merged runs agree), the ranking (lower OSR
 * is more robust), and per run, the GAN acceptance against the uniform-noise baseline.
 */
import { deriveSeed } from '../methods/seeds.js';
import { stat, type Stat } from './aggregate.js';
import type { RunFile } from './run-file.js';
import { higherIsBetter } from '../metrics/metric.js';
import { rankMethods } from '../metrics/ranking.js';

export interface OsrMethodSummary { method: string; n_rows: number; n_kept: number; n_errors: number; osr: Stat; osr_normalised: Stat; rank: number }

export interface OsrSummary {
  methods: OsrMethodSummary[];
  images: {
    n: number;
    /** Images none of whose GAN samples was in S(x). */
    none_accepted: number;
    acceptance_rate: Stat;
    /** Fraction of GAN samples / uniform-noise neighbours whose prediction changed. */
    gan_changed: Stat;
    noise_changed: Stat;
    noise_outside: Stat;
    gan_distance: Stat;
    noise_distance: Stat;
  };
  errors: { samples: number; rows: number };
}

export async function summariseOsr(run: RunFile, seed: number): Promise<OsrSummary> {
  const rows = await run.query('SELECT method, status, osr, osr_normalised FROM osr ORDER BY method, sample_index');
  const by = new Map<string, Record<string, unknown>[]>();
  for (const r of rows) (by.get(String(r.method)) ?? by.set(String(r.method), []).get(String(r.method))!).push(r);
  const nums = (g: Record<string, unknown>[], k: string) => g.map((r) => r[k]).filter((v): v is number => typeof v === 'number');
  const methods = [...by.entries()].map(([method, g]) => {
    const kept = g.filter((r) => r.status === 'kept');
    return {
      method, n_rows: g.length, n_kept: kept.length, n_errors: g.length - kept.length,
      osr: stat(nums(kept, 'osr'), deriveSeed(seed, 'osr', method, 'osr')),
      osr_normalised: stat(nums(kept, 'osr_normalised'), deriveSeed(seed, 'osr', method, 'osr_normalised')),
      rank: 0,
    };
  });
  const order = rankMethods(methods.map((m) => ({ method: m.method, mean: m.osr.mean, n: m.osr.n })), higherIsBetter('osr'));
  methods.forEach((m) => { const i = order.findIndex((r) => r.method === m.method); m.rank = order[i].rank ?? i + 1; });
  methods.sort((a, b) => a.rank - b.rank);
  const img = await run.query('SELECT * FROM osr_images ORDER BY sample_index');
  const col = (k: string) => img.map((r) => r[k]).filter((v): v is number => typeof v === 'number');
  const s = (k: string) => stat(col(k), deriveSeed(seed, 'osr', 'images', k));
  const [{ se, re }] = await run.query(`SELECT (SELECT count(*) FROM samples WHERE status = 'error')::INT AS se, (SELECT count(*) FROM osr WHERE status = 'error')::INT AS re`);
  return {
    methods,
    images: {
      n: img.length, none_accepted: img.filter((r) => Number(r.accepted) === 0).length,
      acceptance_rate: s('acceptance_rate'), gan_changed: s('gan_changed'), noise_changed: s('noise_changed'),
      noise_outside: s('noise_outside'), gan_distance: s('gan_distance'), noise_distance: s('noise_distance'),
    },
    errors: { samples: Number(se), rows: Number(re) },
  };
}
