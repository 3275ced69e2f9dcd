/** fass report run.duckdb --out report.html: a self-contained HTML report of a run. */
import type { Argv } from 'yargs';
import { z } from 'zod';
import { Output, validate } from '../config/options.js';
import { kindOf } from '../pipeline/kinds.js';
import { withRun } from '../store/run-file.js';
import { readCompareResult, writeCompareReport } from '../report/compare-html.js';
import { run } from './common.js';
import { flags } from './flags.js';

const Args = Output.extend({
  run: z.string().min(1).describe('run file (DuckDB), or the compare.json of fass compare-metrics'),
  out: z.string().min(1).default('report.html'),
});

export const command = 'report <run>';
export const describe = 'write a self-contained HTML report of a run file (or of a compare-metrics compare.json)';

export function builder(y: Argv) {
  return flags(y, Args, ['run']).positional('run', { type: 'string', describe: Args.shape.run.description });
}

export async function handler(argv: Record<string, unknown>): Promise<void> {
  await run(Boolean(argv.json), async (out) => {
    const a = validate(Args, argv);
    if (a.run.endsWith('.json')) {
      await writeCompareReport(readCompareResult(a.run), a.out);
      out.say(`wrote ${a.out}`);
      out.result({ report: a.out });
      return;
    }
    await withRun(a.run, async (f) => {
      const cfg = (await f.config()) ?? {};
      await kindOf(cfg, a.run).report(f, cfg, a.out);
    });
    out.say(`wrote ${a.out}`);
    out.result({ report: a.out });
  });
}
