import { availableParallelism } from 'node:os';

/** LibTorch intra-op threads when --threads is not given: every core. */
export function defaultThreads(): number {
  return Math.max(1, availableParallelism());
}
