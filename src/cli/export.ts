/** fass export run.duckdb --format csv|parquet: the run kind's result tables and the samples table as files. */
import type { Argv } from 'yargs';
import { z } from 'zod';
import { Output, validate } from '../config/options.js';
import { exportRun } from '../store/export.js';
import { kindOf } from '../pipeline/kinds.js';
import { withRun } from '../store/run-file.js';
import { run } from './common.js';
import { flags } from './flags.js';

const Args = Output.extend({
  run: z.string().min(1).describe('run file (DuckDB)'),
  format: z.enum(['csv', 'parquet']).default('csv'),
  out: z.string().optional().describe('file prefix (default: the run file without .duckdb)'),
});

export const command = 'export <run>';
export const describe = 'export a run file\'s tables as CSV or Parquet';

export function builder(y: Argv) {
  return flags(y, Args, ['run']).positional('run', { type: 'string', describe: Args.shape.run.description });
}

export async function handler(argv: Record<string, unknown>): Promise<void> {
  await run(Boolean(argv.json), async (out) => {
    const a = validate(Args, argv);
    const files = await withRun(a.run, async (f) => exportRun(f, kindOf((await f.config()) ?? {}, a.run).tables, a.format, a.out ?? a.run.replace(/\.duckdb$/, '')));
    out.say(`wrote ${files.join(', ')}`);
    out.result({ files });
  });
}
