/**
 * sharp, loaded on first use. Loading its libraries with every command would also make the CLI
 * wait for LibTorch's (main.ts loads those on a worker, and the dynamic linker takes one library
 * at a time).
 */
import { createRequire } from 'node:module';
import type Sharp from 'sharp';

let loaded: typeof Sharp | undefined;

export function sharp(): typeof Sharp {
  loaded ??= createRequire(import.meta.url)('sharp') as typeof Sharp;
  return loaded;
}
