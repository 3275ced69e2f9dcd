#!/usr/bin/env node
/**
 * The `fass` command. A command that does work runs in one malloc arena (util/one-arena.ts).
 * LibTorch's libraries load in a worker thread while this one compiles the CLI's modules
 * (commands.ts and all it imports): each takes about half a second.
 */
import { preloadNative } from '../native.js';
import { inOneArena } from '../util/one-arena.js';

const argv = process.argv.slice(2);
if (argv.length && !argv.some((a) => a === '--help' || a === '-h' || a === '--version')) {
  await inOneArena();
  preloadNative();
}
const { main } = await import('./commands.js');
const { hideBin } = await import('yargs/helpers');
await main(hideBin(process.argv));
