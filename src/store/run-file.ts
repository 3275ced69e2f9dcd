/**
 * A run file: create or reopen, refuse a different configuration, append one batch per
 * transaction (rows and the `done` marks together, so a run killed at any moment resumes with no
 * duplicate and no lost row), and read back what is done.
 */
import { existsSync } from 'node:fs';
import { DuckDBInstance, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import { UserError } from '../errors.js';
import { SCHEMA, SIMILARITY_COLUMNS, type GalleryRow, type OsrImageRow, type OsrRow, type PairRow, type SampleRow, type ScoreRow, type VectorRow } from './schema.js';

export class RunFile {
  private constructor(readonly path: string, private readonly db: DuckDBInstance, readonly conn: DuckDBConnection) {}

  /**
   * Opens `path`, creating it with `config` when new. An existing file must hold the same
   * configuration, compared key by key: a difference is a UserError naming each key.
   */
  static async open(path: string, config: Record<string, unknown>): Promise<RunFile> {
    let db: DuckDBInstance;
    try {
      db = await DuckDBInstance.create(path);
    } catch (e) {
      throw new UserError(`${path}: cannot open it as a DuckDB run file (${(e as Error).message.split('\n')[0]})`);
    }
    const conn = await db.connect();
    await conn.run(SCHEMA);
    const f = new RunFile(path, db, conn);
    const stored = await f.config();
    if (!stored) {
      await conn.run('INSERT INTO meta VALUES ($1, $2)', ['config', JSON.stringify(config)]);
    } else {
      const diff = configDiff(stored, config);
      if (diff.length) {
        f.close();
        throw new UserError(
          `${path} holds a run with another configuration; refusing to mix them:\n  ${diff.join('\n  ')}`,
          'give another --out, or delete the file to start over',
        );
      }
    }
    return f;
  }

  /** An existing run file, for reading (report, export, summaries): no configuration check. */
  static async read(path: string): Promise<RunFile> {
    if (!existsSync(path)) throw new UserError(`${path}: run file not found`);
    let db: DuckDBInstance;
    try {
      db = await DuckDBInstance.create(path);
    } catch (e) {
      throw new UserError(`${path}: not a DuckDB run file (${(e as Error).message.split('\n')[0]})`);
    }
    const f = new RunFile(path, db, await db.connect());
    if (!(await f.config().catch(() => null))) {
      f.close();
      throw new UserError(`${path} is not a fass run file (no configuration)`);
    }
    return f;
  }

  async config(): Promise<Record<string, unknown> | null> {
    const r = await this.conn.runAndReadAll("SELECT value FROM meta WHERE key = 'config'");
    const rows = r.getRowObjects();
    return rows.length ? (JSON.parse(String(rows[0].value)) as Record<string, unknown>) : null;
  }

  async setMeta(key: string, value: unknown): Promise<void> {
    await this.conn.run('INSERT OR REPLACE INTO meta VALUES ($1, $2)', [key, JSON.stringify(value)]);
  }

  async meta(key: string): Promise<unknown> {
    const rows = (await this.conn.runAndReadAll('SELECT value FROM meta WHERE key = $1', [key])).getRowObjects();
    return rows.length ? JSON.parse(String(rows[0].value)) : undefined;
  }

  /** Sample indices whose rows are all written. */
  async done(): Promise<Set<number>> {
    const r = await this.conn.runAndReadAll('SELECT sample_index FROM done');
    return new Set(r.getRowObjects().map((o) => Number(o.sample_index)));
  }

  /** One batch, atomically: its sample rows, pair rows, gallery strips and done marks. */
  async appendBatch(samples: SampleRow[], pairs: PairRow[], gallery: GalleryRow[] = []): Promise<void> {
    await this.conn.run('BEGIN TRANSACTION');
    try {
      await this.appendSamples(samples);
      const pa = await this.conn.createAppender('pairs');
      for (const p of pairs) {
        pa.appendInteger(p.sample_index); pa.appendVarchar(p.sample_id);
        pa.appendVarchar(p.perturbation); pa.appendVarchar(p.family); pa.appendVarchar(p.name); optDouble(pa, p.severity);
        pa.appendVarchar(p.method); pa.appendVarchar(p.status);
        optInt(pa, p.clean_pred); optInt(pa, p.perturbed_pred);
        if (p.prediction_changed === null) pa.appendNull(); else pa.appendBoolean(p.prediction_changed);
        optDouble(pa, p.logit_change);
        for (const c of SIMILARITY_COLUMNS) optDouble(pa, p.scores[c]);
        optText(pa, p.reason); pa.endRow();
      }
      pa.flushSync(); pa.closeSync();
      if (gallery.length) {
        const ga = await this.conn.createAppender('gallery');
        for (const g of gallery) {
          ga.appendInteger(g.sample_index); ga.appendVarchar(g.sample_id); ga.appendVarchar(g.perturbation); ga.appendVarchar(g.method);
          ga.appendBlob(g.png); ga.endRow();
        }
        ga.flushSync(); ga.closeSync();
      }
      await this.markDone(samples);
      await this.conn.run('COMMIT');
    } catch (e) {
      await this.conn.run('ROLLBACK');
      throw e;
    }
  }

  /** One batch of an OSR run, atomically: sample rows, per-image GAN rows, per-(sample, method) rows, done marks. */
  async appendOsrBatch(samples: SampleRow[], images: OsrImageRow[], rows: OsrRow[]): Promise<void> {
    await this.conn.run('BEGIN TRANSACTION');
    try {
      const sa = await this.conn.createAppender('samples');
      for (const s of samples) {
        sa.appendInteger(s.sample_index); sa.appendVarchar(s.sample_id); optInt(sa, s.label);
        sa.appendVarchar(s.status); optInt(sa, s.clean_pred); optText(sa, s.reason); sa.endRow();
      }
      sa.flushSync(); sa.closeSync();
      const ia = await this.conn.createAppender('osr_images');
      for (const r of images) {
        ia.appendInteger(r.sample_index); ia.appendVarchar(r.sample_id); ia.appendInteger(r.target);
        ia.appendInteger(r.generated); ia.appendInteger(r.accepted); ia.appendDouble(r.acceptance_rate);
        for (const v of [r.gan_changed, r.noise_changed, r.noise_outside, r.gan_distance, r.noise_distance, r.clean_logit, r.d_loss, r.g_loss]) optDouble(ia, v);
        optText(ia, r.reason); ia.endRow();
      }
      ia.flushSync(); ia.closeSync();
      const oa = await this.conn.createAppender('osr');
      for (const r of rows) {
        oa.appendInteger(r.sample_index); oa.appendVarchar(r.sample_id); oa.appendVarchar(r.method); oa.appendVarchar(r.status);
        optInt(oa, r.accepted); optDouble(oa, r.osr); optDouble(oa, r.osr_normalised); optText(oa, r.reason); oa.endRow();
      }
      oa.flushSync(); oa.closeSync();
      const da = await this.conn.createAppender('done');
      for (const s of samples) { da.appendInteger(s.sample_index); da.endRow(); }
      da.flushSync(); da.closeSync();
      await this.conn.run('COMMIT');
    } catch (e) {
      await this.conn.run('ROLLBACK');
      throw e;
    }
  }

  /** One batch of a robustness or faithfulness run, atomically: samples, score rows, vectors, done marks. */
  async appendScores(samples: SampleRow[], scores: ScoreRow[], vectors: VectorRow[] = []): Promise<void> {
    await this.conn.run('BEGIN TRANSACTION');
    try {
      await this.appendSamples(samples);
      const a = await this.conn.createAppender('scores');
      for (const r of scores) {
        a.appendInteger(r.sample_index); a.appendVarchar(r.sample_id); optInt(a, r.label);
        a.appendVarchar(r.metric); a.appendVarchar(r.method); a.appendVarchar(r.status); optInt(a, r.clean_pred);
        optDouble(a, r.score); optInt(a, r.n_used); optInt(a, r.n_excluded); optText(a, r.reason); a.endRow();
      }
      a.flushSync(); a.closeSync();
      if (vectors.length) {
        const v = await this.conn.createAppender('vectors');
        for (const r of vectors) {
          v.appendInteger(r.sample_index); v.appendVarchar(r.method); optInt(v, r.label);
          v.appendBlob(new Uint8Array(r.vec.buffer, r.vec.byteOffset, r.vec.byteLength)); v.endRow();
        }
        v.flushSync(); v.closeSync();
      }
      await this.markDone(samples);
      await this.conn.run('COMMIT');
    } catch (e) {
      await this.conn.run('ROLLBACK');
      throw e;
    }
  }

  /** Replaces scores of (sample_index, metric, method) rows in one transaction (consistency's end-of-run pass). */
  async updateScores(rows: Pick<ScoreRow, 'sample_index' | 'metric' | 'method' | 'status' | 'score' | 'reason'>[]): Promise<void> {
    await this.conn.run('BEGIN TRANSACTION');
    try {
      await this.conn.run('CREATE OR REPLACE TEMP TABLE score_update (sample_index INTEGER, metric VARCHAR, method VARCHAR, status VARCHAR, score DOUBLE, reason VARCHAR)');
      const a = await this.conn.createAppender('score_update');
      for (const r of rows) {
        a.appendInteger(r.sample_index); a.appendVarchar(r.metric); a.appendVarchar(r.method); a.appendVarchar(r.status);
        optDouble(a, r.score); optText(a, r.reason); a.endRow();
      }
      a.flushSync(); a.closeSync();
      await this.conn.run(`UPDATE scores SET status = u.status, score = u.score, reason = u.reason FROM score_update u
        WHERE scores.sample_index = u.sample_index AND scores.metric = u.metric AND scores.method = u.method`);
      await this.conn.run('DROP TABLE score_update');
      await this.conn.run('COMMIT');
    } catch (e) {
      await this.conn.run('ROLLBACK');
      throw e;
    }
  }

  /** A method's stored consistency vectors in sample order, with their labels (-1: none). */
  async vectors(method: string): Promise<{ index: number[]; vectors: Float32Array[]; labels: number[] }> {
    const rows = await this.query('SELECT sample_index, label, vec FROM vectors WHERE method = $1 ORDER BY sample_index', [method]);
    const blob = (v: unknown): Uint8Array => (v as { bytes?: Uint8Array }).bytes ?? (v as Uint8Array);
    return {
      index: rows.map((r) => Number(r.sample_index)),
      labels: rows.map((r) => (r.label === null ? -1 : Number(r.label))),
      // a copy: DuckDB hands blobs back as Buffers, views into a shared pool
      vectors: rows.map((r) => { const b = blob(r.vec), own = new Uint8Array(b.length); own.set(b); return new Float32Array(own.buffer); }),
    };
  }

  private async appendSamples(samples: SampleRow[]): Promise<void> {
    const sa = await this.conn.createAppender('samples');
    for (const s of samples) {
      sa.appendInteger(s.sample_index); sa.appendVarchar(s.sample_id); optInt(sa, s.label);
      sa.appendVarchar(s.status); optInt(sa, s.clean_pred); optText(sa, s.reason); sa.endRow();
    }
    sa.flushSync(); sa.closeSync();
  }

  private async markDone(samples: SampleRow[]): Promise<void> {
    const da = await this.conn.createAppender('done');
    for (const s of samples) { da.appendInteger(s.sample_index); da.endRow(); }
    da.flushSync(); da.closeSync();
  }

  async query(sql: string, params: (string | number | boolean | null)[] = []): Promise<Record<string, unknown>[]> {
    return (await this.conn.runAndReadAll(sql, params)).getRowObjects() as Record<string, unknown>[];
  }

  close(): void {
    this.conn.closeSync();
    this.db.closeSync();
  }
}

function optInt(a: DuckDBAppender, v: number | null | undefined) { if (v === null || v === undefined) a.appendNull(); else a.appendInteger(v); }
function optText(a: DuckDBAppender, v: string | null | undefined) { if (v === null || v === undefined) a.appendNull(); else a.appendVarchar(v); }
/** NaN and missing scores are NULL; the row's reason says why. */
function optDouble(a: DuckDBAppender, v: number | null | undefined) { if (v === null || v === undefined || !Number.isFinite(v)) a.appendNull(); else a.appendDouble(v); }

/** "key: stored X, now Y" for each top-level key whose JSON differs. */
export function configDiff(stored: Record<string, unknown>, now: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(stored), ...Object.keys(now)])].sort();
  return keys
    .filter((k) => JSON.stringify(stored[k]) !== JSON.stringify(now[k]))
    .map((k) => `${k}: the file has ${JSON.stringify(stored[k]) ?? 'nothing'}, this command ${JSON.stringify(now[k]) ?? 'nothing'}`);
}
