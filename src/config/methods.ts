/** `--methods a,b,c`, or a --config list of `{name, ...params}`, as method specs. */
import { UserError } from '../errors.js';
import { methodNames } from '../methods/registry.js';

export type MethodSpec = { name: string } & Record<string, unknown>;

export function methodSpecs(value: unknown): MethodSpec[] {
  if (value === undefined) throw new UserError(`name the methods: --methods a,b,c (known: ${methodNames().join(', ')})`);
  const specs: unknown[] = typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean).map((name) => ({ name }))
    : Array.isArray(value) ? value.flatMap((v) => (typeof v === 'string' ? v.split(',').map((name) => name.trim()).filter(Boolean).map((name) => ({ name })) : [v])) : [value];
  if (specs.length === 0) throw new UserError('--methods is empty');
  const seen = new Set<string>();
  return specs.map((s) => {
    if (!s || typeof s !== 'object' || typeof (s as { name?: unknown }).name !== 'string') {
      throw new UserError(`methods: each entry needs a name, got ${JSON.stringify(s)}`);
    }
    const name = (s as MethodSpec).name;
    if (seen.has(name)) throw new UserError(`method ${name} is named twice`);
    seen.add(name);
    return s as MethodSpec;
  });
}
