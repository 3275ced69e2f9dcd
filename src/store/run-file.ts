/**
 * A run file: create or reopen, refuse a different configuration, append one batch per
 * transaction (rows and the `done` marks together, so a run killed at any moment resumes with no
 * duplicate and no lost row), and read back what is done.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import { UserError } from '../errors.js';
import { SCHEMA, TABLES, type Column, type ResultRows, type ResultTable, type SampleRow, type ScoreRow, type TableName } from './schema.js';

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
    const stale = await f.staleTables();
    if (stale.length) {
      f.close();
      throw new UserError(`${path} was written by another version of fass, whose tables differ:\n  ${stale.join('\n  ')}`, 'give another --out to start a new run (fass report and export still read this one)');
    }
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

  /** Each table whose stored columns are not the schema's, with what differs (a resume would fail on them). */
  private async staleTables(): Promise<string[]> {
    const r = await this.conn.runAndReadAll("SELECT table_name, list(column_name ORDER BY ordinal_position) AS cols FROM information_schema.columns WHERE table_schema = 'main' GROUP BY table_name");
    const stored = new Map(r.getRowObjects().map((row) => [String(row.table_name), (row.cols as { items: unknown[] }).items.map(String)]));
    return Object.entries(TABLES).flatMap(([name, t]) => {
      const want = t.columns.map((c) => c[0]), have = stored.get(name) ?? want;
      if (want.join() === have.join()) return [];
      const missing = want.filter((c) => !have.includes(c)), extra = have.filter((c) => !want.includes(c));
      return [`${name}: ${missing.length ? `lacks ${missing.join(', ')}` : ''}${missing.length && extra.length ? '; ' : ''}${extra.length ? `has ${extra.join(', ')} this version does not` : ''}${!missing.length && !extra.length ? 'columns in another order' : ''}`];
    });
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

  /** One batch, atomically: its sample rows, its result rows by table, and its done marks. */
  async appendBatch(samples: SampleRow[], rows: ResultRows): Promise<void> {
    await this.transaction(async () => {
      await this.append('samples', samples);
      for (const [table, r] of Object.entries(rows) as [ResultTable, object[]][]) await this.append(table, r);
      await this.append('done', samples);
    });
  }

  /** Replaces scores of (sample_index, metric, method) rows in one transaction (consistency's end-of-run pass). */
  async updateScores(rows: Pick<ScoreRow, 'sample_index' | 'metric' | 'method' | 'status' | 'score' | 'reason'>[]): Promise<void> {
    await this.transaction(async () => {
      await this.conn.run('CREATE OR REPLACE TEMP TABLE score_update (sample_index INTEGER, metric VARCHAR, method VARCHAR, status VARCHAR, score DOUBLE, reason VARCHAR)');
      await this.appendRows('score_update', [['sample_index', 'INTEGER'], ['metric', 'VARCHAR'], ['method', 'VARCHAR'], ['status', 'VARCHAR'], ['score', 'DOUBLE'], ['reason', 'VARCHAR']], rows);
      await this.conn.run(`UPDATE scores SET status = u.status, score = u.score, reason = u.reason FROM score_update u
        WHERE scores.sample_index = u.sample_index AND scores.metric = u.metric AND scores.method = u.method`);
      await this.conn.run('DROP TABLE score_update');
    });
  }

  /** fn inside one transaction: all of its writes land, or none. */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    await this.conn.run('BEGIN TRANSACTION');
    try {
      const r = await fn();
      await this.conn.run('COMMIT');
      return r;
    } catch (e) {
      await this.conn.run('ROLLBACK');
      throw e;
    }
  }

  private append(table: TableName, rows: readonly object[]): Promise<void> {
    return this.appendRows(table, TABLES[table].columns, rows);
  }

  /** Rows through DuckDB's appender, each column as its declared type. */
  private async appendRows(table: string, columns: readonly Column[], rows: readonly object[]): Promise<void> {
    if (rows.length === 0) return;
    const a = await this.conn.createAppender(table);
    for (const row of rows) {
      for (const [name, type, , from] of columns) appendValue(a, type, valueOf(row, name, from));
      a.endRow();
    }
    a.flushSync(); a.closeSync();
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

  async query(sql: string, params: (string | number | boolean | null)[] = []): Promise<Record<string, unknown>[]> {
    return (await this.conn.runAndReadAll(sql, params)).getRowObjects() as Record<string, unknown>[];
  }

  close(): void {
    this.conn.closeSync();
    this.db.closeSync();
  }
}

/** A row's value for a column: its field, or the entry `from` names (a PairRow's scores and chance). */
function valueOf(row: object, name: string, from?: readonly [string, string]): unknown {
  const r = row as Record<string, unknown>;
  return from ? (r[from[0]] as Record<string, unknown> | undefined)?.[from[1]] : r[name];
}

/** NaN and missing numbers are NULL; the row's reason says why. */
function appendValue(a: DuckDBAppender, type: Column[1], v: unknown): void {
  if (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))) return a.appendNull();
  switch (type) {
    case 'INTEGER': return a.appendInteger(v as number);
    case 'DOUBLE': return a.appendDouble(v as number);
    case 'BOOLEAN': return a.appendBoolean(v as boolean);
    case 'VARCHAR': return a.appendVarchar(v as string);
    case 'BLOB': { const b = v as ArrayBufferView; return a.appendBlob(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)); }
  }
}

/** fn on an existing run file opened for reading (whatever its configuration), closed afterwards. */
export async function withRun<T>(path: string, fn: (f: RunFile) => Promise<T>): Promise<T> {
  const f = await RunFile.read(path);
  try {
    return await fn(f);
  } finally {
    f.close();
  }
}

/** fn on the path `out`, or on a temporary run file removed afterwards (the library's in-memory summaries). */
export async function withRunFile<T>(out: string | undefined, fn: (path: string) => Promise<T>): Promise<T> {
  if (out) return fn(out);
  const dir = mkdtempSync(join(tmpdir(), 'fass-run-'));
  try {
    return await fn(join(dir, 'run.duckdb'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** "key: stored X, now Y" for each top-level key whose JSON differs. */
export function configDiff(stored: Record<string, unknown>, now: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(stored), ...Object.keys(now)])].sort();
  return keys
    .filter((k) => JSON.stringify(stored[k]) !== JSON.stringify(now[k]))
    .map((k) => `${k}: the file has ${JSON.stringify(stored[k]) ?? 'nothing'}, this command ${JSON.stringify(now[k]) ?? 'nothing'}`);
}
