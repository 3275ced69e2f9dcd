/**
 * Named perturbation sets (SPEC.md section 9).
 * - `default`: every perturbation of SPEC.md section 3 at its default grid (30 specs).
 * - `fass-paper`: the FASS paper's code: rotate 15 with nearest interpolation, translate 20 px in
 *   x, brightness x1.5, noise sigma 0.15, jpeg 40; geometric maps compared pixel by pixel
 *   (no alignment).
 */
import { defaultGrid, makeSpec, PERTURBATION_NAMES, type PerturbationSpec } from './registry.js';

export type PresetName = 'default' | 'fass-paper';

export const PRESETS: Readonly<Record<PresetName, () => PerturbationSpec[]>> = {
  default: () => PERTURBATION_NAMES.flatMap((n) => defaultGrid(n)),
  'fass-paper': () => [
    makeSpec('rotate', 15, { interpolation: 'nearest', align: 'none' }),
    makeSpec('translate_x', 20, { pixels: true, align: 'none' }),
    makeSpec('brightness', 1.5),
    makeSpec('noise', 0.15),
    makeSpec('jpeg', 40),
  ],
};

export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

export function isPresetName(s: string): s is PresetName {
  return Object.prototype.hasOwnProperty.call(PRESETS, s);
}

export function preset(name: PresetName): PerturbationSpec[] {
  return PRESETS[name]();
}
