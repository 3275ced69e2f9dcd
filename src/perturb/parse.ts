/**
 * The `--perturbations` value: `default`, `fass-paper`, or a comma list of items
 *   name[:severity[|severity...]][@option...]
 * e.g. `rotate:5|10,jpeg:40,hflip,blur`. A name alone stands for its default grid; `translate`
 * stands for translate_x and translate_y together; translate severities are % of the size, or
 * pixels with `px` (`translate_x:20px`); options are `nearest` (geometric resampling),
 * `bilinear` (the default) and `noalign` (compare maps pixel by pixel). Preset names may appear
 * in a list too. The result is in the order given, without repeats (by id). Every spec's `id`
 * parses back to itself.
 */
import { UserError } from '../errors.js';
import {
  defaultGrid, isPerturbationName, makeSpec, PERTURBATION_NAMES, PERTURBATIONS,
  type PerturbationName, type PerturbationOption, type PerturbationSpec, type SpecOptions,
} from './registry.js';
import { isPresetName, preset, PRESET_NAMES } from './presets.js';

const OPTIONS: readonly PerturbationOption[] = ['nearest', 'bilinear', 'noalign'];
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function fail(item: string, problem: string): never {
  throw new UserError(`--perturbations "${item}": ${problem}`);
}

export function parsePerturbations(text: string): PerturbationSpec[] {
  const value = String(text ?? '').trim();
  if (!value) {
    throw new UserError(`--perturbations is empty: give ${PRESET_NAMES.join(' or ')}, or a comma list like rotate:5|10,jpeg:40,hflip,blur`);
  }
  const out: PerturbationSpec[] = [];
  const seen = new Set<string>();
  for (const raw of value.split(',')) {
    const item = raw.trim();
    if (!item) fail(value, 'an empty item in the list (two commas in a row, or a trailing comma)');
    for (const spec of parseItem(item)) {
      if (!seen.has(spec.id)) {
        seen.add(spec.id);
        out.push(spec);
      }
    }
  }
  return out;
}

/** One spec from its id (`rotate:15@nearest`); the id must name exactly one severity. */
export function parsePerturbationId(id: string): PerturbationSpec {
  const specs = parseItem(id.trim());
  if (specs.length !== 1 || specs[0].id !== id.trim()) {
    throw new UserError(`"${id}" is not a perturbation id (one name and at most one severity, like rotate:15 or hflip)`);
  }
  return specs[0];
}

function parseItem(item: string): PerturbationSpec[] {
  if (isPresetName(item)) return preset(item);
  const [head, ...optionWords] = item.split('@');
  const colon = head.indexOf(':');
  const name = (colon < 0 ? head : head.slice(0, colon)).trim();
  const severityText = colon < 0 ? null : head.slice(colon + 1).trim();

  const names: PerturbationName[] = name === 'translate' ? ['translate_x', 'translate_y'] : [];
  if (!names.length) {
    if (!isPerturbationName(name)) {
      fail(item, `unknown perturbation "${name}"; known: ${PERTURBATION_NAMES.join(', ')}, translate (both axes), or a preset: ${PRESET_NAMES.join(', ')}`);
    }
    names.push(name);
  }

  const opts: SpecOptions = {};
  for (const word of optionWords.map((w) => w.trim())) {
    if (!(OPTIONS as readonly string[]).includes(word)) {
      fail(item, `unknown option "@${word}"; options are ${OPTIONS.map((o) => '@' + o).join(', ')}`);
    }
    const o = word as PerturbationOption;
    for (const n of names) {
      if (!PERTURBATIONS[n].options.includes(o)) {
        const allowed = PERTURBATIONS[n].options;
        fail(item, `${n} does not take @${o}${allowed.length ? `; it takes ${allowed.map((a) => '@' + a).join(', ')}` : ' (it takes no options)'}`);
      }
    }
    if (o === 'noalign') opts.align = 'none';
    else opts.interpolation = o;
  }

  const out: PerturbationSpec[] = [];
  for (const n of names) {
    const p = PERTURBATIONS[n];
    if (severityText === null) {
      out.push(...defaultGrid(n, opts));
      continue;
    }
    if (p.severity === null) fail(item, `${n} takes no severity (write it alone: ${n})`);
    if (!severityText) fail(item, `no severity after "${name}:"; ${n} takes ${p.accepts}`);
    for (const s of severityText.split('|').map((t) => t.trim())) {
      let t = s;
      let pixels = false;
      if (/px$/i.test(t)) {
        if (!n.startsWith('translate_')) fail(item, `"${s}": only translate_x and translate_y take pixels; ${n} takes ${p.accepts}`);
        pixels = true;
        t = t.slice(0, -2).trim();
      }
      if (!NUMBER.test(t)) fail(item, `severity "${s}" is not a number; ${n} takes ${p.accepts}`);
      try {
        out.push(makeSpec(n, Number(t), { ...opts, pixels }));
      } catch (e) {
        if (e instanceof UserError) fail(item, e.message);
        throw e;
      }
    }
  }
  return out;
}
