/** Baselines for path methods: a named kind, or a .npy file of one image (C,H,W) or one per sample. */
import { z } from 'zod';
import { UserError } from '../errors.js';
import { tensor, type NativeParams } from '../native.js';
import { readNpy } from '../util/npy.js';

export const BASELINE_KINDS = ['black', 'mean', 'blur', 'uniform', 'gaussian'] as const;

/** The noise scales of the blur (Gaussian sigma, pixels) and gaussian (pixel-space std) baselines, unless baseline_sigma is given. */
export const BASELINE_SIGMA = { blur: 5, gaussian: 0.25 } as const;

/** The engine's sigma of each kind that has one: baseline_sigma for all, or each kind's default. */
export function baselineSigmas(sigma: number | undefined): NativeParams {
  return { blur_sigma: sigma ?? BASELINE_SIGMA.blur, gaussian_sigma: sigma ?? BASELINE_SIGMA.gaussian };
}

/** A kind name, or a path to a .npy file. */
export const Baseline = z.string().min(1);

/** The engine's parameters for a baseline: its kind, and the image when it is a file. */
export function baselineParams(baseline: string, shape: readonly number[]): NativeParams {
  if ((BASELINE_KINDS as readonly string[]).includes(baseline)) return { baseline };
  if (!baseline.endsWith('.npy')) {
    throw new UserError(`baseline '${baseline}': expected one of ${BASELINE_KINDS.join(', ')}, or a .npy file of shape (C,H,W) or (N,C,H,W)`);
  }
  const a = readNpy(baseline);
  if (a.dtype !== 'float32' && a.dtype !== 'float64') throw new UserError(`baseline ${baseline}: dtype ${a.dtype}; expected float32 or float64 pixels in [0,1]`);
  const [, c, h, w] = shape;
  const okShape = (a.shape.length === 3 && a.shape.join() === [c, h, w].join()) || (a.shape.length === 4 && a.shape.slice(1).join() === [c, h, w].join());
  if (!okShape) throw new UserError(`baseline ${baseline} has shape (${a.shape.join(', ')}); the images are (${c}, ${h}, ${w})`);
  return { baseline: 'file', baseline_image: tensor(Float32Array.from(a.data as Float32Array), a.shape) };
}
