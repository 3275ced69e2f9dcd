/**
 * `fass export run.duckdb --format csv|parquet`: the pairs table (robustness and faithfulness runs:
 * the scores table) and the samples table, through DuckDB's COPY.
 */
import { UserError } from '../errors.js';
import type { RunFile } from './run-file.js';

export async function exportRun(run: RunFile, format: string, outPrefix: string): Promise<string[]> {
  if (format !== 'csv' && format !== 'parquet') throw new UserError(`--format ${format}: expected csv or parquet`);
  const files: string[] = [];
  const command = (await run.config())?.command;
  const main = command === 'robustness' || command === 'faithfulness' ? 'scores' : 'pairs';
  for (const t of [main, 'samples']) {
    const path = `${outPrefix}.${t}.${format}`;
    const opts = format === 'csv' ? '(FORMAT CSV, HEADER)' : '(FORMAT PARQUET)';
    await run.conn.run(`COPY (SELECT * FROM ${t} ORDER BY ALL) TO '${path.replace(/'/g, "''")}' ${opts}`);
    files.push(path);
  }
  return files;
}
