/** fass export run.duckdb --format csv|parquet: the run kind's result tables and the samples table as files. */
import { z } from 'zod';
import { Output } from '../config/options.js';
import { exportRun } from '../store/export.js';
import { kindOf } from '../pipeline/kinds.js';
import { withRun } from '../store/run-file.js';
import { defineCommand } from './common.js';

const Args = Output.extend({
  run: z.string().min(1).describe('run file (DuckDB)'),
  format: z.enum(['csv', 'parquet']).default('csv'),
  out: z.string().optional().describe('file prefix (default: the run file without .duckdb)'),
});

export const { command, describe, builder, handler } = defineCommand({
  command: 'export <run>',
  describe: 'export a run file\'s tables as CSV or Parquet',
  args: Args,
  positional: ['run'],
  body: async (a, out) => {
    const files = await withRun(a.run, async (f) => exportRun(f, kindOf((await f.config()) ?? {}, a.run).tables, a.format, a.out ?? a.run.replace(/\.duckdb$/, '')));
    out.say(`wrote ${files.join(', ')}`);
    out.result({ files });
  },
});
