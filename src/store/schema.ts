/**
 * The run file's tables (one DuckDB file per run). Every (sample, perturbation, method) the plan
 * names ends as exactly one `pairs` row: kept (with its scores), filtered (prediction changed, both
 * predictions recorded) or error (with its reason). A sample whose rows are all written is in
 * `done`, in the same transaction, which is what a resumed run skips.
 *
 * `fass robustness` and `fass faithfulness` runs use `scores` instead of `pairs`: exactly one row
 * per (sample, metric, method), kept (with its score and the neighbours used and excluded),
 * excluded (every neighbour changed the prediction; no label for consistency) or error, with its
 * reason. `vectors` holds each sample's reduced map per method when consistency is asked for: a
 * dataset-level metric, computed from them at the end of every run (and resumed run).
 */
export const SIMILARITY_COLUMNS = ['ssim', 'spearman', 'topk_jaccard', 'fass', 'pearson', 'cosine', 'l2'] as const;
export type SimilarityColumn = (typeof SIMILARITY_COLUMNS)[number];

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS samples (
  sample_index INTEGER PRIMARY KEY, sample_id VARCHAR NOT NULL, label INTEGER,
  status VARCHAR NOT NULL, clean_pred INTEGER, reason VARCHAR);
CREATE TABLE IF NOT EXISTS pairs (
  sample_index INTEGER NOT NULL, sample_id VARCHAR NOT NULL,
  perturbation VARCHAR NOT NULL, family VARCHAR NOT NULL, name VARCHAR NOT NULL, severity DOUBLE,
  method VARCHAR NOT NULL, status VARCHAR NOT NULL,
  clean_pred INTEGER, perturbed_pred INTEGER, prediction_changed BOOLEAN, logit_change DOUBLE,
  ${SIMILARITY_COLUMNS.map((c) => `${c} DOUBLE`).join(', ')},
  reason VARCHAR,
  PRIMARY KEY (sample_index, perturbation, method));
CREATE TABLE IF NOT EXISTS done (sample_index INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS scores (
  sample_index INTEGER NOT NULL, sample_id VARCHAR NOT NULL, label INTEGER,
  metric VARCHAR NOT NULL, method VARCHAR NOT NULL, status VARCHAR NOT NULL,
  clean_pred INTEGER, score DOUBLE, n_used INTEGER, n_excluded INTEGER, reason VARCHAR,
  PRIMARY KEY (sample_index, metric, method));
CREATE TABLE IF NOT EXISTS vectors (
  sample_index INTEGER NOT NULL, method VARCHAR NOT NULL, label INTEGER, vec BLOB NOT NULL,
  PRIMARY KEY (sample_index, method));
CREATE TABLE IF NOT EXISTS gallery (
  sample_index INTEGER NOT NULL, sample_id VARCHAR NOT NULL, perturbation VARCHAR NOT NULL, method VARCHAR NOT NULL,
  png BLOB NOT NULL, PRIMARY KEY (sample_index, perturbation, method));
CREATE TABLE IF NOT EXISTS osr_images (
  sample_index INTEGER PRIMARY KEY, sample_id VARCHAR NOT NULL, target INTEGER NOT NULL,
  generated INTEGER NOT NULL, accepted INTEGER NOT NULL, acceptance_rate DOUBLE NOT NULL,
  gan_changed DOUBLE, noise_changed DOUBLE, noise_outside DOUBLE, gan_distance DOUBLE, noise_distance DOUBLE,
  clean_logit DOUBLE, d_loss DOUBLE, g_loss DOUBLE, reason VARCHAR);
CREATE TABLE IF NOT EXISTS osr (
  sample_index INTEGER NOT NULL, sample_id VARCHAR NOT NULL, method VARCHAR NOT NULL, status VARCHAR NOT NULL,
  accepted INTEGER, osr DOUBLE, osr_normalised DOUBLE, reason VARCHAR,
  PRIMARY KEY (sample_index, method));
`;

/** Tables a run file may hold; merge copies those present (OSR runs fill osr_images and osr). */
export const RUN_TABLES = ['samples', 'pairs', 'done', 'gallery', 'osr_images', 'osr'] as const;

/** A strip for the report: image, perturbed image, clean map, aligned perturbed map (PNG). */
export interface GalleryRow {
  sample_index: number;
  sample_id: string;
  perturbation: string;
  method: string;
  png: Uint8Array;
}

export type PairStatus = 'kept' | 'filtered' | 'error';

/** A dataset label as every run kind stores it: null where unknown (datasets say -1). */
export function storedLabel(label: number): number | null {
  return label >= 0 ? label : null;
}

export interface SampleRow {
  sample_index: number;
  sample_id: string;
  /** null where the dataset has no label (storedLabel). */
  label: number | null;
  status: 'ok' | 'error';
  clean_pred: number | null;
  reason: string | null;
}

export interface PairRow {
  sample_index: number;
  sample_id: string;
  perturbation: string;
  family: string;
  name: string;
  severity: number | null;
  method: string;
  status: PairStatus;
  clean_pred: number | null;
  perturbed_pred: number | null;
  prediction_changed: boolean | null;
  logit_change: number | null;
  scores: Partial<Record<SimilarityColumn, number>>;
  reason: string | null;
}

/**
 * `fass osr` (SPEC.md section 7): one osr_images row per image whose GAN ran (acceptance, the
 * noise baseline), and exactly one osr row per (sample, method): kept with its scores, or error
 * with its reason (e.g. no GAN sample accepted).
 */
export interface OsrImageRow {
  sample_index: number;
  sample_id: string;
  target: number;
  generated: number;
  accepted: number;
  acceptance_rate: number;
  gan_changed: number;
  noise_changed: number;
  noise_outside: number;
  gan_distance: number | null;
  noise_distance: number;
  clean_logit: number;
  d_loss: number;
  g_loss: number;
  reason: string | null;
}

export interface OsrRow {
  sample_index: number;
  sample_id: string;
  method: string;
  status: 'kept' | 'error';
  accepted: number | null;
  osr: number | null;
  osr_normalised: number | null;
  reason: string | null;
}
export type ScoreStatus = 'kept' | 'excluded' | 'error';

/** One (sample, metric, method) of a robustness or faithfulness run. */
export interface ScoreRow {
  sample_index: number;
  sample_id: string;
  label: number | null;
  metric: string;
  method: string;
  status: ScoreStatus;
  clean_pred: number | null;
  score: number | null;
  /** Neighbours kept and excluded (robustness); null where a metric has none. */
  n_used: number | null;
  n_excluded: number | null;
  reason: string | null;
}

/** A sample's attribution vector (float32) for consistency. */
export interface VectorRow {
  sample_index: number;
  method: string;
  label: number | null;
  vec: Float32Array;
}
