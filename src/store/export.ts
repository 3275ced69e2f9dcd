/**
 * `fass export run.duckdb --format csv|parquet`: a run's result tables (those of its kind without
 * binary columns: a stability run's pairs, a robustness or faithfulness run's scores, an OSR run's
 * osr and osr_images) and its samples table, through DuckDB's COPY.
 */
import { UserError } from '../errors.js';
import type { RunFile } from './run-file.js';
import { TABLES, type ResultTable } from './schema.js';

export async function exportRun(run: RunFile, tables: readonly ResultTable[], format: string, outPrefix: string): Promise<string[]> {
  if (format !== 'csv' && format !== 'parquet') throw new UserError(`--format ${format}: expected csv or parquet`);
  const files: string[] = [];
  const plain = tables.filter((t) => TABLES[t].columns.every(([, type]) => type !== 'BLOB'));
  for (const t of [...plain, 'samples']) {
    const path = `${outPrefix}.${t}.${format}`;
    const opts = format === 'csv' ? '(FORMAT CSV, HEADER)' : '(FORMAT PARQUET)';
    await run.conn.run(`COPY (SELECT * FROM ${t} ORDER BY ALL) TO '${path.replace(/'/g, "''")}' ${opts}`);
    files.push(path);
  }
  return files;
}
