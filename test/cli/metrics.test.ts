/** fass robustness and fass faithfulness refuse bad values, naming them and what is accepted (exit 2). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { cli, reference, tempDir } from '../helpers.js';

const dir = tempDir('metrics-cli');
const BASE = ['--model', reference.torchscript(), '--data', 'synthetic:4', '--methods', 'saliency', '--quiet'];

test('robustness: an unknown metric is named with the accepted ones; nothing is written', async () => {
  const out = join(dir, 'r.duckdb');
  const r = await cli(['robustness', ...BASE, '--metrics', 'max_sensitivity,wobble', '--out', out]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /robustness metric 'wobble'/);
  assert.match(r.stderr, /max_sensitivity, avg_sensitivity, local_lipschitz, ris, ros, consistency/);
  assert.not.ok(existsSync(out));
});

test('faithfulness: a bad option value and an unknown metric are named', async () => {
  const r = await cli(['faithfulness', ...BASE, '--metrics', 'deletion', '--blur-sigma', '-1', '--out', join(dir, 'f.duckdb')]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /--blur-sigma -1: must be > 0/);
  const m = await cli(['faithfulness', ...BASE, '--metrics', 'deletion,area', '--out', join(dir, 'f.duckdb')]);
  assert.is(m.code, 2);
  assert.match(m.stderr, /faithfulness metric 'area': expected one of deletion, insertion/);
});

test.run();
