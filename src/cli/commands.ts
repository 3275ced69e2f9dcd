/** The fass command line: one module per command under src/cli/ (main.ts starts it). */
import { readFileSync } from 'node:fs';
import yargs from 'yargs';
import { parse as parseYaml } from 'yaml';
import { UserError } from '../errors.js';
import { EXIT_USAGE } from './common.js';
import * as attribute from './attribute.js';
import * as compare from './compare.js';
import * as compareMetrics from './compare-metrics.js';
import * as evaluate from './evaluate.js';
import * as exportCmd from './export.js';
import * as faithfulness from './faithfulness.js';
import * as merge from './merge.js';
import * as osr from './osr.js';
import * as report from './report.js';
import * as robustness from './robustness.js';
import * as sanity from './sanity.js';
import * as stability from './stability.js';
import * as train from './train.js';

/** --config FILE: YAML or JSON whose keys are option names (kebab- or camelCase). */
function readConfig(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UserError(`--config ${path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (e) {
    throw new UserError(`--config ${path}: not valid YAML or JSON (${(e as Error).message.split('\n')[0]})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UserError(`--config ${path}: expected a mapping of option names to values`);
  }
  return value as Record<string, unknown>;
}

export async function main(args: string[]): Promise<void> {
  await yargs(args)
    .scriptName('fass')
    .usage('$0 <command> [options]\n\nFeature Attribution Stability Suite: how stable are attributions of image classifiers?')
    .command(train)
    .command(evaluate)
    .command(attribute)
    .command(stability)
    .command(osr)
    .command(robustness)
    .command(faithfulness)
    .command(sanity)
    .command(report)
    .command(merge)
    .command(exportCmd)
    .command(compare)
    .command(compareMetrics)
    .config('config', 'YAML or JSON file whose keys are option names', readConfig)
    .demandCommand(1, 'name a command: fass <command> --help lists its options')
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err) => {
      const text = err instanceof UserError ? err.message : err ? String(err.message) : msg;
      process.stderr.write(`fass: ${text}\nRun fass --help, or fass <command> --help, for the options.\n`);
      process.exit(EXIT_USAGE);
    })
    .parseAsync();
}

