/**
 * The engine's perturbation calls (bindings/perturb_wrap.cpp over native/perturb/): their types.
 * Pixel conventions: x right, y down, pixel centres at integers, centre ((W-1)/2, (H-1)/2).
 */
import type { Tensor } from '../native.js';

export type NativeGeometry =
  | { kind: 'rotate'; degrees: number; interpolation?: 'bilinear' | 'nearest' }
  | { kind: 'translate'; dx: number; dy: number; interpolation?: 'bilinear' | 'nearest' }
  | { kind: 'scale'; factor: number; interpolation?: 'bilinear' | 'nearest' }
  | { kind: 'hflip' };
export type NativePhotometric =
  | { kind: 'brightness' | 'contrast'; factor: number }
  | { kind: 'gamma'; gamma: number }
  | { kind: 'blur' | 'noise'; sigma: number };
export type NativeOp = NativeGeometry | NativePhotometric;

export interface NativePerturb {
  /** x (N,C,H,W) floating point -> the perturbed batch; seeds (N) int64 for noise. Worker thread. */
  apply(x: Tensor, op: NativeOp, seeds?: Tensor | null, threads?: number): Promise<Tensor>;
  /** maps (N,C,H,W) or (N,H,W) of the perturbed twin -> A(q) = A'(T(q)), bilinear; photometric ops resolve to `maps` itself. */
  align(maps: Tensor, op: NativeOp, threads?: number): Promise<Tensor>;
  /** (H,W) uint8: T(q) inside the frame, eroded by one pixel; all ones for photometric ops. Synchronous. */
  validMask(op: NativeOp, h: number, w: number): Tensor;
}
