/**
 * The README's library program (examples/stability.ts), run as it is: it imports fass by its
 * package name, and writes the same rows and ranking as `fass stability` with the same options.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RunFile } from '../src/store/run-file.js';
import { cli, reference, repoRoot } from './helpers.js';

const DATA = 'synthetic:32:1x28x28:10';

test('the README shows examples/stability.ts as it is', () => {
  const src = readFileSync(join(repoRoot(), 'examples', 'stability.ts'), 'utf8');
  const body = src.slice(src.indexOf('import {'));
  assert.match(body, /from 'fass';/);
  assert.ok(readFileSync(join(repoRoot(), 'README.md'), 'utf8').includes('```ts\n' + body + '```'), 'README.md holds the program verbatim');
});

test('the program runs through the package name and matches fass stability', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fass-library-'));
  const lib = join(dir, 'lib.duckdb'), cmd = join(dir, 'cli.duckdb');
  const r = spawnSync(process.execPath, [join(repoRoot(), 'dist', 'examples', 'stability.js'), reference.torchscript(), DATA, lib], { encoding: 'utf8', cwd: dir });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /^\d+ pairs: \d+ kept, \d+ filtered, 0 errors$/m);
  assert.is(r.stdout.trim().split('\n').filter((l) => /^\d\. /.test(l)).length, 3, r.stdout);
  const c = await cli(['stability', '--model', reference.torchscript(), '--data', DATA, '--n', '32', '--methods', 'saliency,integrated_gradients,gradcam',
    '--perturbations', 'hflip,rotate:10,brightness:1.2', '--batch-size', '32', '--gallery', '0', '--out', cmd, '--quiet']);
  assert.is(c.code, 0, c.stderr);
  const rows = async (path: string) => {
    const f = await RunFile.read(path);
    try {
      return JSON.stringify(await f.query('SELECT sample_index, perturbation, method, status, ssim, spearman, topk_jaccard, fass FROM pairs ORDER BY ALL'));
    } finally {
      f.close();
    }
  };
  assert.is(await rows(lib), await rows(cmd), 'the same pairs and scores');
});

test.run();
