/**
 * Every attribution method by its SPEC.md name, and parameter parsing that turns a bad value into
 * a UserError naming the method, the parameter, the value and what is accepted.
 */
import { UserError } from '../errors.js';
import { parseWith } from '../config/validate.js';
import { gradcam } from './gradcam.js';
import { gradientShap } from './gradient-shap.js';
import { inputXGradient } from './input-x-gradient.js';
import { integratedGradients } from './integrated-gradients.js';
import { kernelShap } from './kernel-shap.js';
import { lime } from './lime.js';
import { occlusion } from './occlusion.js';
import { rise } from './rise.js';
import { saliency } from './saliency.js';
import { input, random } from './controls.js';
import { smoothgrad, smoothgradSq, vargrad } from './smoothgrad.js';
import type { Method } from './types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const METHODS: Record<string, Method<any>> = Object.fromEntries(
  [saliency, inputXGradient, integratedGradients, smoothgrad, smoothgradSq, vargrad, gradientShap, gradcam, occlusion, lime, kernelShap, rise, random, input]
    .map((m) => [m.name, m]),
);

export function methodNames(): string[] {
  return Object.keys(METHODS);
}

export function getMethod(name: string): Method<unknown> {
  const m = METHODS[name];
  if (!m) throw new UserError(`unknown method '${name}': expected one of ${methodNames().join(', ')}`);
  return m;
}

/** A method with its parsed parameters, as a run plan names it. */
export interface ConfiguredMethod {
  method: Method<unknown>;
  params: unknown;
}

/** Parses `{name, ...params}` (the --config form); unknown or bad parameters are UserErrors. */
export function configure(spec: { name: string } & Record<string, unknown>): ConfiguredMethod {
  const method = getMethod(spec.name);
  const { name, ...raw } = spec;
  return { method, params: parseWith(method.params, raw, `method ${name}`, 'parameter') };
}
