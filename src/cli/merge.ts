/** fass merge a.duckdb b.duckdb ... --out all.duckdb: shards of one run into one file. */
import { z } from 'zod';
import { Output } from '../config/options.js';
import { merge } from '../store/merge.js';
import { defineCommand } from './common.js';

const Args = Output.extend({
  runs: z.array(z.string()).min(1, 'name at least one run file').describe('the shards\' run files'),
  out: z.string().min(1).describe('the merged run file to write (must not exist)'),
});

export const { command, describe, builder, handler } = defineCommand({
  command: 'merge <runs..>',
  describe: 'merge the shards of a run (same configuration but --shard) into one run file',
  args: Args,
  positional: ['runs'],
  body: async (a, out) => {
    const r = await merge(a.runs, a.out);
    out.say(`wrote ${a.out}: ${r.samples} samples, ${Object.entries(r.rows).map(([t, n]) => `${n} ${t} rows`).join(', ') || 'no result rows'} from ${a.runs.length} file(s)`);
    out.result({ out: a.out, ...r });
  },
});
