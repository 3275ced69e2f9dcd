/** `fass export run.duckdb --format csv|parquet`: the pairs table (and samples) through DuckDB's COPY. */
import { UserError } from '../errors.js';
import type { RunFile } from './run-file.js';

export async function exportRun(run: RunFile, format: string, outPrefix: string): Promise<string[]> {
  if (format !== 'csv' && format !== 'parquet') throw new UserError(`--format ${format}: expected csv or parquet`);
  const files: string[] = [];
  for (const t of ['pairs', 'samples']) {
    const path = `${outPrefix}.${t}.${format}`;
    const opts = format === 'csv' ? '(FORMAT CSV, HEADER)' : '(FORMAT PARQUET)';
    await run.conn.run(`COPY (SELECT * FROM ${t} ORDER BY ALL) TO '${path.replace(/'/g, "''")}' ${opts}`);
    files.push(path);
  }
  return files;
}
