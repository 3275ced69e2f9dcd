/**
 * `fass export run.duckdb --format csv|parquet`: a run's result tables and its samples table,
 * through DuckDB's COPY: stability runs' pairs, robustness and faithfulness runs' scores, OSR runs'
 * osr and osr_images.
 */
import { UserError } from '../errors.js';
import type { RunFile } from './run-file.js';

export async function exportRun(run: RunFile, format: string, outPrefix: string): Promise<string[]> {
  if (format !== 'csv' && format !== 'parquet') throw new UserError(`--format ${format}: expected csv or parquet`);
  const files: string[] = [];
  for (const t of [...resultTables(String((await run.config())?.command)), 'samples']) {
    const path = `${outPrefix}.${t}.${format}`;
    const opts = format === 'csv' ? '(FORMAT CSV, HEADER)' : '(FORMAT PARQUET)';
    await run.conn.run(`COPY (SELECT * FROM ${t} ORDER BY ALL) TO '${path.replace(/'/g, "''")}' ${opts}`);
    files.push(path);
  }
  return files;
}

/** The tables holding a run's results, by the command that wrote it (stability runs name none). */
function resultTables(command: string): string[] {
  if (command === 'robustness' || command === 'faithfulness') return ['scores'];
  if (command === 'osr') return ['osr', 'osr_images'];
  return ['pairs'];
}
