/**
 * The perturbations of SPEC.md section 3: each one's family, default severity grid, what its
 * severity means, and how it is validated. A perturbation is defined once here and used both to
 * perturb a batch and to align the maps of the perturbed twin (./apply.ts).
 *
 * A spec has a stable string id used in seeds and run files: `rotate:15`, `translate_x:5`,
 * `translate_x:20px`, `jpeg:40`, `hflip`, with non-default options appended as `@nearest`
 * (nearest-neighbour interpolation of the perturbed image) and `@noalign` (compare maps pixel by
 * pixel, all-ones mask), in that order: `rotate:15@nearest@noalign`.
 */
import { z } from 'zod';
import { UserError } from '../errors.js';

export type Family = 'geometric' | 'photometric' | 'compression';
export type PerturbationName =
  | 'rotate' | 'translate_x' | 'translate_y' | 'scale' | 'hflip'
  | 'brightness' | 'contrast' | 'gamma' | 'blur' | 'noise'
  | 'jpeg';
export type Interpolation = 'bilinear' | 'nearest';
/** `inverse`: maps of the perturbed twin are brought back through T (SPEC.md 3); `none`: pixel by pixel. */
export type AlignMode = 'inverse' | 'none';
/** Options a spec can carry beyond its severity, as written after `@` in ids. */
export type PerturbationOption = 'nearest' | 'bilinear' | 'noalign';

export interface PerturbationSpec {
  /** Stable id: `rotate:15`, `translate_y:2.5`, `translate_x:20px`, `hflip`, `rotate:15@nearest@noalign`. */
  readonly id: string;
  readonly name: PerturbationName;
  readonly family: Family;
  /** In the unit below; null for hflip. */
  readonly severity: number | null;
  /** degrees, % (of the width for translate_x, of the height for translate_y), px, factor, sigma px, sigma, quality; null for hflip. */
  readonly unit: string | null;
  /** How the perturbed image is resampled (geometric perturbations; alignment is always bilinear). */
  readonly interpolation: Interpolation;
  readonly align: AlignMode;
}

export interface PerturbationInfo {
  readonly name: PerturbationName;
  readonly family: Family;
  /** The default severity grid (SPEC.md 3); empty for hflip. */
  readonly grid: readonly number[];
  readonly unit: string | null;
  /** What the severity means. */
  readonly meaning: string;
  /** What is accepted, as error messages say it. */
  readonly accepts: string;
  /** Severity check; null when the perturbation takes none. */
  readonly severity: z.ZodType<number> | null;
  /** Options accepted after `@`. */
  readonly options: readonly PerturbationOption[];
}

/** zod 4's number() refuses NaN and infinities. */
const finite = () => z.number();
const GEOMETRIC_OPTIONS: readonly PerturbationOption[] = ['nearest', 'bilinear', 'noalign'];

function info(i: PerturbationInfo): PerturbationInfo {
  return i;
}

export const PERTURBATIONS: Readonly<Record<PerturbationName, PerturbationInfo>> = {
  rotate: info({
    name: 'rotate', family: 'geometric', grid: [5, 10, 15, 30], unit: 'degrees',
    meaning: 'rotation about the image centre; positive = counter-clockwise on screen (torchvision/PIL); bilinear, zero fill',
    accepts: 'a number of degrees in (-180, 180]',
    severity: finite().gt(-180).lte(180), options: GEOMETRIC_OPTIONS,
  }),
  translate_x: info({
    name: 'translate_x', family: 'geometric', grid: [2.5, 5, 10], unit: '%',
    meaning: 'horizontal shift, positive = right, in % of the width rounded to whole pixels (exact, zero fill); `Npx` gives pixels (fractional ones are interpolated)',
    accepts: 'a percentage of the width in (-100, 100), or a pixel count like 20px',
    severity: finite().gt(-100).lt(100), options: GEOMETRIC_OPTIONS,
  }),
  translate_y: info({
    name: 'translate_y', family: 'geometric', grid: [2.5, 5, 10], unit: '%',
    meaning: 'vertical shift, positive = down, in % of the height rounded to whole pixels (exact, zero fill); `Npx` gives pixels (fractional ones are interpolated)',
    accepts: 'a percentage of the height in (-100, 100), or a pixel count like 20px',
    severity: finite().gt(-100).lt(100), options: GEOMETRIC_OPTIONS,
  }),
  scale: info({
    name: 'scale', family: 'geometric', grid: [0.9, 1.1], unit: 'factor',
    meaning: 'zoom about the image centre by this factor (> 1 enlarges); bilinear, zero fill',
    accepts: 'a factor in (0, 10]',
    severity: finite().gt(0).lte(10), options: GEOMETRIC_OPTIONS,
  }),
  hflip: info({
    name: 'hflip', family: 'geometric', grid: [], unit: null,
    meaning: 'mirror left-right (exact)', accepts: 'no severity',
    severity: null, options: ['noalign'],
  }),
  brightness: info({
    name: 'brightness', family: 'photometric', grid: [0.8, 1.2, 1.5], unit: 'factor',
    meaning: 'multiply pixels by this factor, clamp to [0,1]', accepts: 'a factor in [0, 10]',
    severity: finite().min(0).max(10), options: [],
  }),
  contrast: info({
    name: 'contrast', family: 'photometric', grid: [0.7, 1.3], unit: 'factor',
    meaning: "blend with the image's mean grey: f x + (1 - f) mean, clamp to [0,1] (torchvision adjust_contrast)",
    accepts: 'a factor in [0, 10]',
    severity: finite().min(0).max(10), options: [],
  }),
  gamma: info({
    name: 'gamma', family: 'photometric', grid: [0.8, 1.25], unit: 'gamma',
    meaning: 'x ^ gamma (< 1 brightens), clamp to [0,1]', accepts: 'an exponent in (0, 10]',
    severity: finite().gt(0).lte(10), options: [],
  }),
  blur: info({
    name: 'blur', family: 'photometric', grid: [0.5, 1, 2], unit: 'sigma px',
    meaning: 'Gaussian blur with this sigma in pixels (radius ceil(3.5 sigma), scipy reflect borders)',
    accepts: 'a sigma in pixels in (0, 50]',
    severity: finite().gt(0).lte(50), options: [],
  }),
  noise: info({
    name: 'noise', family: 'photometric', grid: [0.01, 0.05, 0.15], unit: 'sigma',
    meaning: "additive Gaussian noise with this standard deviation (pixel units), drawn from each sample's seed, clamp to [0,1]",
    accepts: 'a standard deviation in (0, 1]',
    severity: finite().gt(0).lte(1), options: [],
  }),
  jpeg: info({
    name: 'jpeg', family: 'compression', grid: [90, 70, 40, 20], unit: 'quality',
    meaning: 'JPEG encode and decode at this quality (sharp/libvips, 4:2:0 chroma), back to float [0,1]',
    accepts: 'an integer quality in [1, 100]',
    severity: z.number().int().min(1).max(100), options: [],
  }),
};

export const PERTURBATION_NAMES = Object.keys(PERTURBATIONS) as PerturbationName[];

export function isPerturbationName(s: string): s is PerturbationName {
  return Object.prototype.hasOwnProperty.call(PERTURBATIONS, s);
}

export interface SpecOptions {
  /** translate only: the severity is in pixels rather than % of the size. */
  pixels?: boolean;
  interpolation?: Interpolation;
  align?: AlignMode;
}

/** A severity as written in ids: the shortest round-trip decimal (15, 2.5, 0.01). */
export function formatSeverity(v: number): string {
  return Object.is(v, -0) ? '0' : String(v);
}

/**
 * A validated spec. Throws a UserError naming the value and what is accepted.
 * `severity` may be omitted for hflip only.
 */
export function makeSpec(name: string, severity?: number | null, opts: SpecOptions = {}): PerturbationSpec {
  if (!isPerturbationName(name)) {
    throw new UserError(`unknown perturbation "${name}": expected one of ${PERTURBATION_NAMES.join(', ')}`);
  }
  const p = PERTURBATIONS[name];
  let sev: number | null = null;
  if (p.severity === null) {
    if (severity !== undefined && severity !== null) throw new UserError(`${name} takes no severity, got ${severity}`);
  } else {
    if (severity === undefined || severity === null) throw new UserError(`${name} needs a severity: ${p.accepts}`);
    const pixels = opts.pixels === true;
    if (pixels && !name.startsWith('translate_')) throw new UserError(`${name} severity ${severity}px: only translate_x and translate_y take pixels; ${name} takes ${p.accepts}`);
    const schema = pixels ? finite() : p.severity;
    const r = schema.safeParse(severity);
    if (!r.success) throw new UserError(`${name} severity must be ${pixels ? 'a finite number of pixels' : p.accepts}; got ${severity}`);
    sev = r.data;
  }
  const interpolation = opts.interpolation ?? 'bilinear';
  const align = opts.align ?? 'inverse';
  if (interpolation !== 'bilinear' && interpolation !== 'nearest') {
    throw new UserError(`${name}: interpolation "${String(interpolation)}" is not one of bilinear, nearest`);
  }
  if (align !== 'inverse' && align !== 'none') throw new UserError(`${name}: align "${String(align)}" is not one of inverse, none`);
  if (interpolation === 'nearest' && !p.options.includes('nearest')) {
    throw new UserError(`${name} has no interpolation to choose (option nearest applies to ${optionHolders('nearest')})`);
  }
  if (align === 'none' && !p.options.includes('noalign')) {
    throw new UserError(`${name} needs no alignment (option noalign applies to geometric perturbations: ${optionHolders('noalign')})`);
  }
  const unit = sev === null ? null : opts.pixels ? 'px' : p.unit;
  let id: string = name;
  if (sev !== null) id += `:${formatSeverity(sev)}${opts.pixels ? 'px' : ''}`;
  if (interpolation === 'nearest') id += '@nearest';
  if (align === 'none') id += '@noalign';
  return Object.freeze({ id, name, family: p.family, severity: sev, unit, interpolation, align });
}

function optionHolders(o: PerturbationOption): string {
  return PERTURBATION_NAMES.filter((n) => PERTURBATIONS[n].options.includes(o)).join(', ');
}

/** Every spec of a perturbation's default grid (hflip: its one spec). */
export function defaultGrid(name: PerturbationName, opts: SpecOptions = {}): PerturbationSpec[] {
  const p = PERTURBATIONS[name];
  if (p.severity === null) return [makeSpec(name, null, opts)];
  return p.grid.map((s) => makeSpec(name, s, opts));
}

/** The same spec with alignment switched off where it applies (geometric perturbations); others unchanged. */
export function withoutAlignment(spec: PerturbationSpec): PerturbationSpec {
  if (spec.family !== 'geometric' || spec.align === 'none') return spec;
  return makeSpec(spec.name, spec.severity, { pixels: spec.unit === 'px', interpolation: spec.interpolation, align: 'none' });
}

/** True when maps of the perturbed twin are compared as they are (photometric, compression, or align none). */
export function identityAlignment(spec: PerturbationSpec): boolean {
  return spec.family !== 'geometric' || spec.align === 'none';
}
