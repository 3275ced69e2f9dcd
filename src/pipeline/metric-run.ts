/**
 * The `scores` run kinds, `fass robustness` and `fass faithfulness`: exactly one score row per
 * (sample, metric, method), a pass at the end of every run (consistency), and the in-memory
 * summaries compare-metrics builds on. The loop itself is the runner's (runner.ts).
 */
import { withRun } from '../store/run-file.js';
export { withRunFile } from '../store/run-file.js';
import { summariseScores, type MetricSummary } from '../store/score-aggregate.js';
import type { ResultRows, ScoreRow } from '../store/schema.js';
import { writeScoresReport } from '../report/html.js';
import { baseConfig as runBaseConfig, type RunBase, type RunKind, type RunResult, type SampleRef } from './runner.js';

/** Robustness and faithfulness runs take no shard: consistency is scored over the whole run. */
export type MetricRunBase = Omit<RunBase, 'shard'>;
export type MetricRunResult = RunResult;
export type { CleanBatch } from './runner.js';

/** A scores run kind: what it is, the metric names each (sample, method) gets a row for, how a batch is scored. */
export interface Scorer<S extends MetricRunBase> {
  command: 'robustness' | 'faithfulness';
  config(s: S): Record<string, unknown>;
  metrics(s: S): readonly string[];
  score: RunKind<S>['score'];
  finish?: RunKind<S>['finish'];
}

/** The run kind of a scorer: one `scores` row per (sample, metric, method). */
export function scoresKind<S extends MetricRunBase>(scorer: Scorer<S>): RunKind<S> {
  return {
    command: scorer.command,
    tables: ['scores', 'vectors'],
    summarise: (f, c) => summariseScores(f, Number(c.seed ?? 0)),
    report: async (f, c, path) => writeScoresReport(f, await summariseScores(f, Number(c.seed ?? 0)), path),
    config: (s) => ({ command: scorer.command, ...runBaseConfig(s), ...scorer.config(s) }),
    failed: (s, ref, reason): ResultRows => ({ scores: scorer.metrics(s).flatMap((metric) => s.methods.map((m) => scoreRow(ref, metric, m.method.name, { status: 'error', reason }))) }),
    score: scorer.score,
    finish: scorer.finish,
  };
}

/** A score row of a sample: kept and unscored unless `rest` says otherwise. */
export function scoreRow(ref: SampleRef, metric: string, method: string, rest: Partial<ScoreRow> & { clean_pred?: number | null } = {}): ScoreRow {
  return {
    sample_index: ref.index, sample_id: ref.id, label: ref.label, metric, method,
    status: 'kept', clean_pred: null, score: null, n_used: null, n_excluded: null, reason: null, ...rest,
  };
}

export interface ScoresOptions {
  seed?: number;
  batchSize?: number;
  internalBatchSize?: number;
  /** Keep the run file here (resumable); default a temporary file, removed afterwards. */
  out?: string;
}

/** The summary of a finished run file. */
export async function readSummary(path: string, seed: number): Promise<MetricSummary> {
  return withRun(path, (f) => summariseScores(f, seed));
}
