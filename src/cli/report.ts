/** fass report run.duckdb --out report.html: a self-contained HTML report of a run. */
import { z } from 'zod';
import { Output } from '../config/options.js';
import { kindOf } from '../pipeline/kinds.js';
import { withRun } from '../store/run-file.js';
import { readCompareResult, writeCompareReport } from '../report/compare-html.js';
import { defineCommand } from './common.js';
import { UserError } from '../errors.js';
import { summariseSanity } from '../store/sanity-aggregate.js';

const Args = Output.extend({
  run: z.string().min(1).describe('run file (DuckDB), or the compare.json of fass compare-metrics'),
  out: z.string().min(1).default('report.html'),
  sanity: z.string().min(1).optional().describe('a fass sanity run of the same model and methods: a stability report then plots stability against randomisation'),
});

export const { command, describe, builder, handler } = defineCommand({
  command: 'report <run>',
  describe: 'write a self-contained HTML report of a run file (or of a compare-metrics compare.json)',
  args: Args,
  positional: ['run'],
  body: async (a, out) => {
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
  },
});
