/** Perturbations (SPEC.md section 3): specs, registry, presets, the --perturbations parser, apply and align. */
export {
  PERTURBATIONS, PERTURBATION_NAMES, makeSpec, defaultGrid, withoutAlignment, identityAlignment, formatSeverity,
  isPerturbationName,
  type PerturbationSpec, type PerturbationInfo, type PerturbationName, type Family, type Interpolation,
  type AlignMode, type PerturbationOption, type SpecOptions,
} from './registry.js';
export { PRESETS, PRESET_NAMES, preset, isPresetName, type PresetName } from './presets.js';
export { parsePerturbations, parsePerturbationId } from './parse.js';
export { perturb, align, validMask, validMaskTensor, operation, type BatchInput, type HostBatch, type PerturbOptions } from './apply.js';
export { jpegCodec, jpegBatch, type JpegCodec } from './jpeg.js';
export type { NativeOp, NativeGeometry, NativePhotometric, NativePerturb } from '../native.js';
