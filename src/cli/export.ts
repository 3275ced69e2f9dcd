/** fass export run.duckdb --format csv|parquet: the pairs (robustness, faithfulness: scores) and samples tables as files. */
import type { Argv } from 'yargs';
import { z } from 'zod';
import { Output, validate } from '../config/options.js';
import { exportRun } from '../store/export.js';
import { outputOptions, run } from './common.js';
import { withRun } from './stability.js';

const Args = Output.extend({ run: z.string().min(1), format: z.enum(['csv', 'parquet']).default('csv'), out: z.string().optional() });

export const command = 'export <run>';
export const describe = 'export a run file\'s tables as CSV or Parquet';

export function builder(y: Argv) {
  return outputOptions(y).positional('run', { type: 'string' })
    .option('format', { type: 'string', choices: ['csv', 'parquet'], default: 'csv' })
    .option('out', { type: 'string', describe: 'file prefix (default: the run file without .duckdb)' });
}

export async function handler(argv: Record<string, unknown>): Promise<void> {
  await run(Boolean(argv.json), async (out) => {
    const a = validate(Args, argv);
    const files = await withRun(a.run, (f) => exportRun(f, a.format, a.out ?? a.run.replace(/\.duckdb$/, '')));
    out.say(`wrote ${files.join(', ')}`);
    out.result({ files });
  });
}
