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

/**
 * What a pair row keeps of its two maps' per-sample extras (methods/types.ts Attribution.extras):
 * IG's completeness gap and, with n_steps auto, the quadrature steps each map took. NULL for
 * methods that report none.
 */
export const MAP_EXTRAS = ['clean_gap', 'twin_gap', 'clean_steps', 'twin_steps'] as const;
export type MapExtra = (typeof MAP_EXTRAS)[number];

type ColumnType = 'INTEGER' | 'VARCHAR' | 'DOUBLE' | 'BOOLEAN' | 'BLOB';
/** [name, type, NOT NULL, where the row holds it when not in its own field: [object, key]]. */
export type Column = readonly [name: string, type: ColumnType, notNull?: boolean, from?: readonly [string, string]];
export interface Table { columns: readonly Column[]; key: readonly string[] }

const idColumns: Column[] = [['sample_index', 'INTEGER', true], ['sample_id', 'VARCHAR', true]];

/**
 * Every table of a run file but meta, declared once: the DDL and the appenders (run-file.ts) are
 * made from it. Column order is the stored order (merge copies with SELECT *).
 */
export const TABLES = {
  samples: { columns: [...idColumns, ['label', 'INTEGER'], ['status', 'VARCHAR', true], ['clean_pred', 'INTEGER'], ['reason', 'VARCHAR']], key: ['sample_index'] },
  pairs: {
    columns: [
      ...idColumns, ['perturbation', 'VARCHAR', true], ['family', 'VARCHAR', true], ['name', 'VARCHAR', true], ['severity', 'DOUBLE'],
      ['method', 'VARCHAR', true], ['status', 'VARCHAR', true],
      ['clean_pred', 'INTEGER'], ['perturbed_pred', 'INTEGER'], ['prediction_changed', 'BOOLEAN'], ['logit_change', 'DOUBLE'],
      ...SIMILARITY_COLUMNS.map((c): Column => [c, 'DOUBLE', false, ['scores', c]]),
      ...SIMILARITY_COLUMNS.map((c): Column => [`chance_${c}`, 'DOUBLE', false, ['chance', c]]),
      ...MAP_EXTRAS.map((c): Column => [c, 'DOUBLE', false, ['extras', c]]), ['reason', 'VARCHAR'],
    ],
    key: ['sample_index', 'perturbation', 'method'],
  },
  done: { columns: [['sample_index', 'INTEGER']], key: ['sample_index'] },
  scores: {
    columns: [
      ...idColumns, ['label', 'INTEGER'], ['metric', 'VARCHAR', true], ['method', 'VARCHAR', true], ['status', 'VARCHAR', true],
      ['clean_pred', 'INTEGER'], ['score', 'DOUBLE'], ['n_used', 'INTEGER'], ['n_excluded', 'INTEGER'], ['reason', 'VARCHAR'],
    ],
    key: ['sample_index', 'metric', 'method'],
  },
  vectors: { columns: [['sample_index', 'INTEGER', true], ['method', 'VARCHAR', true], ['label', 'INTEGER'], ['vec', 'BLOB', true]], key: ['sample_index', 'method'] },
  gallery: { columns: [...idColumns, ['perturbation', 'VARCHAR', true], ['method', 'VARCHAR', true], ['png', 'BLOB', true]], key: ['sample_index', 'perturbation', 'method'] },
  osr_images: {
    columns: [
      ...idColumns, ['target', 'INTEGER', true], ['generated', 'INTEGER', true], ['accepted', 'INTEGER', true], ['acceptance_rate', 'DOUBLE', true],
      ...['gan_changed', 'noise_changed', 'noise_outside', 'gan_distance', 'noise_distance', 'clean_logit', 'd_loss', 'g_loss'].map((c): Column => [c, 'DOUBLE']),
      ['reason', 'VARCHAR'],
    ],
    key: ['sample_index'],
  },
  agreement: {
    columns: [...idColumns, ['method_a', 'VARCHAR', true], ['method_b', 'VARCHAR', true], ['spearman', 'DOUBLE'], ['topk_jaccard', 'DOUBLE'], ['reason', 'VARCHAR']],
    key: ['sample_index', 'method_a', 'method_b'],
  },
  sanity: {
    columns: [
      ...idColumns, ['method', 'VARCHAR', true], ['step', 'INTEGER', true], ['layer', 'VARCHAR', true], ['status', 'VARCHAR', true],
      ['spearman_abs', 'DOUBLE'], ['ssim', 'DOUBLE'], ['topk_jaccard', 'DOUBLE'], ['reason', 'VARCHAR'],
    ],
    key: ['sample_index', 'method', 'step'],
  },
  osr: {
    columns: [...idColumns, ['method', 'VARCHAR', true], ['status', 'VARCHAR', true], ['accepted', 'INTEGER'], ['osr', 'DOUBLE'], ['osr_normalised', 'DOUBLE'], ['reason', 'VARCHAR']],
    key: ['sample_index', 'method'],
  },
} satisfies Record<string, Table>;

export type TableName = keyof typeof TABLES;

/** The tables a run kind writes its results to, besides samples and done. */
export type ResultTable = Exclude<TableName, 'samples' | 'done'>;

export const SCHEMA = [
  'CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);',
  ...Object.entries(TABLES).map(([name, t]: [string, Table]) => `CREATE TABLE IF NOT EXISTS ${name} (
  ${t.columns.map(([c, type, notNull]) => `${c} ${type}${notNull ? ' NOT NULL' : ''}`).join(', ')},
  PRIMARY KEY (${t.key.join(', ')}));`),
].join('\n');

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
  /** Chance level (--controls chance): the clean map against its partner's (stability.ts), per metric. */
  chance?: Partial<Record<SimilarityColumn, number>>;
  extras?: Partial<Record<MapExtra, number>>;
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

/** Two methods' clean maps of one sample compared (stability runs with controls): agreement.ts. */
export interface AgreementRow {
  sample_index: number;
  sample_id: string;
  method_a: string;
  method_b: string;
  spearman: number | null;
  topk_jaccard: number | null;
  reason: string | null;
}

/**
 * `fass sanity`: one row per (sample, method, cascade step): the map of the model with its layers
 * randomised down to `layer` against the trained model's map.
 */
export interface SanityRow {
  sample_index: number;
  sample_id: string;
  method: string;
  step: number;
  layer: string;
  status: 'kept' | 'error';
  spearman_abs: number | null;
  ssim: number | null;
  topk_jaccard: number | null;
  reason: string | null;
}

/** A batch's result rows, by table (RunFile.appendBatch). */
export interface ResultRows {
  pairs?: PairRow[];
  agreement?: AgreementRow[];
  sanity?: SanityRow[];
  gallery?: GalleryRow[];
  scores?: ScoreRow[];
  vectors?: VectorRow[];
  osr_images?: OsrImageRow[];
  osr?: OsrRow[];
}

/** A sample's attribution vector (float32) for consistency. */
export interface VectorRow {
  sample_index: number;
  method: string;
  label: number | null;
  vec: Float32Array;
}
