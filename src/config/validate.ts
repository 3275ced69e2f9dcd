/**
 * One way to check a value against its zod schema: every failure, from the CLI or the library,
 * is a UserError (exit 2) in one form, naming each bad key, the value received and what was
 * expected, as sharp's invalidParameterError does:
 *
 *   method gradcam: invalid parameter:
 *     upsample "cubic": Invalid option: expected one of "bilinear"|"nearest"|"none"
 */
import type { z } from 'zod';
import { UserError } from '../errors.js';

/** How a key is named in messages: as its CLI flag, or as itself. */
export type Namer = (key: string) => string;
export const asFlag: Namer = (k) => '--' + k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
export const asKey: Namer = (k) => k;

/**
 * schema.parse(raw), with a failure thrown as a UserError: `<subject>: invalid <noun>s:` (or
 * `invalid <noun>s:` without a subject), then one line per problem.
 */
export function parseWith<T extends z.ZodType>(schema: T, raw: unknown, subject: string, noun: 'option' | 'parameter', name: Namer = asKey): z.infer<T> {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const given = (raw ?? {}) as Record<string, unknown>;
  const lines = r.error.issues.map((i) => {
    const unknownKeys = i.code === 'unrecognized_keys' ? (i as { keys?: string[] }).keys ?? [] : [];
    const key = i.path.length ? i.path.map(String).join('.') : unknownKeys.join(', ');
    const value = i.path.length ? ` ${JSON.stringify(given[String(i.path[0])])}` : '';
    return `${key ? name(key) : '(value)'}${value}: ${i.message}`;
  });
  const head = `invalid ${noun}${lines.length > 1 ? 's' : ''}`;
  throw new UserError(`${subject ? `${subject}: ` : ''}${head}:\n  ${lines.join('\n  ')}`);
}
