/**
 * yargs options made from the zod schema that validates them: a flag's type, default and help
 * text are declared once, in the schema (config/options.ts and each command's Args), and the
 * values are checked by zod alone, so every bad value gets a message of one form
 * (config/validate.ts). Help text comes from `.describe()`, a short flag from `.meta({ alias })`;
 * a value zod takes as it is (z.any()) can say how yargs reads it with `.meta({ yargs })`.
 */
import type { Argv, Options } from 'yargs';
import { z } from 'zod';
import { asFlag } from '../config/validate.js';

type Def = { type: string; innerType?: z.ZodType; in?: z.ZodType; defaultValue?: unknown; entries?: Record<string, unknown>; element?: z.ZodType; options?: z.ZodType[]; values?: unknown[] };
const defOf = (s: z.ZodType) => (s as unknown as { def: Def }).def;

/** A schema's layers, outermost first (default, optional, pipe and the like wrap the value's type). */
function layers(s: z.ZodType): z.ZodType[] {
  const out: z.ZodType[] = [];
  for (let t: z.ZodType | undefined = s; t; t = defOf(t).innerType ?? defOf(t).in) out.push(t);
  return out;
}

/** The accepted values of an enum or a union of literals, if the schema is one. */
function choicesOf(s: z.ZodType): unknown[] | undefined {
  const d = defOf(s);
  if (d.type === 'enum') return Object.values(d.entries!);
  if (d.type === 'union' && d.options!.every((o) => defOf(o).type === 'literal')) return d.options!.flatMap((o) => defOf(o).values!);
  return undefined;
}

/** The yargs option of one schema key. */
export function flagOf(s: z.ZodType): Options {
  const all = layers(s), value = all[all.length - 1], d = defOf(value);
  const meta = Object.assign({}, ...all.map((l) => z.globalRegistry.get(l) ?? {})) as { description?: string; alias?: string; yargs?: Options };
  const hasDefault = all.some((l) => defOf(l).type === 'default');
  const optional = hasDefault || all.some((l) => ['optional', 'nullable', 'any', 'unknown'].includes(defOf(l).type));
  const choices = choicesOf(value);
  const type: Options['type'] = d.type === 'number' || (choices && choices.every((c) => typeof c === 'number')) ? 'number'
    : d.type === 'boolean' ? 'boolean' : d.type === 'array' ? 'array' : d.type === 'any' || d.type === 'unknown' ? undefined : 'string';
  const describe = [meta.description, choices && `one of: ${choices.join(', ')}`].filter(Boolean).join('; ');
  return {
    ...(type ? { type } : {}),
    ...(type === 'array' && defOf(d.element!).type === 'number' ? { number: true } : {}),
    ...(hasDefault ? { default: defOf(all.find((l) => defOf(l).type === 'default')!).defaultValue } : {}),
    ...(optional ? {} : { demandOption: true }),
    ...(describe ? { describe } : {}),
    ...(meta.alias ? { alias: meta.alias } : {}),
    ...meta.yargs,
  };
}

/** Every key of `schema` as a yargs option (kebab-case), the ones named `positional` as positionals. */
export function flags<T>(y: Argv<T>, schema: z.ZodObject, positional: readonly string[] = []): Argv<T> {
  let out = y;
  for (const [key, s] of Object.entries(schema.shape)) {
    const { demandOption, ...flag } = flagOf(s as z.ZodType);
    out = (positional.includes(key)
      ? out.positional(key, { type: flag.type === 'array' ? 'string' : flag.type as 'string' | 'number' | 'boolean', ...(flag.type === 'array' ? { array: true } : {}), describe: flag.describe })
      : out.option(asFlag(key).slice(2), { ...flag, ...(demandOption ? { demandOption } : {}) })) as Argv<T>;
  }
  return out;
}
