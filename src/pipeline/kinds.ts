/**
 * The run kinds by the command that writes them: what `fass report`, `fass export` and
 * `fass merge` read a run file as, from its stored configuration.
 */
import { UserError } from '../errors.js';
import { faithfulnessKind } from './faithfulness.js';
import { osrKind } from './osr.js';
import { robustnessKind } from './robustness.js';
import type { StoredKind } from './runner.js';
import { sanityKind } from './sanity.js';
import { stabilityKind } from './stability.js';

const KINDS: readonly StoredKind[] = [stabilityKind, robustnessKind, faithfulnessKind, osrKind, sanityKind];

/** The kind of a run file's configuration; stability runs store no command. */
export function kindOf(config: Record<string, unknown>, path: string): StoredKind {
  const command = config.command === undefined ? 'stability' : String(config.command);
  const kind = KINDS.find((k) => k.command === command);
  if (!kind) throw new UserError(`${path}: a run of '${command}', which this fass does not know (it knows ${KINDS.map((k) => k.command).join(', ')})`);
  return kind;
}
