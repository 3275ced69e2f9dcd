/** fass report run.duckdb --out report.html: a self-contained HTML report of a run. */
import type { Argv } from 'yargs';
import { z } from 'zod';
import { Output, validate } from '../config/options.js';
import { kindOf } from '../pipeline/kinds.js';
import { withRun } from '../store/run-file.js';
import { readCompareResult, writeCompareReport } from '../report/compare-html.js';
import { run } from './common.js';
import { UserError } from '../errors.js';
import { summariseSanity } from '../store/sanity-aggregate.js';
import { flags } from './flags.js';

const Args = Output.extend({
  run: z.string().min(1).describe('run file (DuckDB), or the compare.json of fass compare-metrics'),
  out: z.string().min(1).default('report.html'),
  sanity: z.string().min(1).optional().describe('a fass sanity run of the same model and methods: a stability report then plots stability against randomisation'),
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
    const sanity = a.sanity ? await withRun(a.sanity, async (f) => {
      const cfg = (await f.config()) ?? {};
      if (kindOf(cfg, a.sanity!).command !== 'sanity') throw new UserError(`--sanity ${a.sanity}: a run of '${String(cfg.command ?? 'stability')}'; expected a fass sanity run`);
      return summariseSanity(f, Number(cfg.seed ?? 0));
    }) : undefined;
    await withRun(a.run, async (f) => {
      const cfg = (await f.config()) ?? {};
      await kindOf(cfg, a.run).report(f, cfg, a.out, { sanity });
    });
    out.say(`wrote ${a.out}`);
    out.result({ report: a.out });
  });
}
