/** fass merge a.duckdb b.duckdb ... --out all.duckdb: shards of one run into one file. */
import type { Argv } from 'yargs';
import { z } from 'zod';
import { Output, validate } from '../config/options.js';
import { merge } from '../store/merge.js';
import { run } from './common.js';
import { flags } from './flags.js';

const Args = Output.extend({
  runs: z.array(z.string()).min(1, 'name at least one run file').describe('the shards\' run files'),
  out: z.string().min(1).describe('the merged run file to write (must not exist)'),
});

export const command = 'merge <runs..>';
export const describe = 'merge the shards of a run (same configuration but --shard) into one run file';

export function builder(y: Argv) {
  return flags(y, Args, ['runs']).positional('runs', { type: 'string', array: true, describe: Args.shape.runs.description });
}

export async function handler(argv: Record<string, unknown>): Promise<void> {
  await run(Boolean(argv.json), async (out) => {
    const a = validate(Args, argv);
    const r = await merge(a.runs, a.out);
    out.say(`wrote ${a.out}: ${r.samples} samples, ${Object.entries(r.rows).map(([t, n]) => `${n} ${t} rows`).join(', ') || 'no result rows'} from ${a.runs.length} file(s)`);
    out.result({ out: a.out, ...r });
  });
}
