/** The command line: help, exit codes, --json, --config, and the reference accuracy. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, hasFashionMnist, reference, skip, tempDir } from '../helpers.js';

const dir = tempDir('cli');

test('--help lists the commands; each command has --help', async () => {
  const r = await cli(['--help']);
  assert.is(r.code, 0);
  for (const c of ['train', 'evaluate', 'attribute', 'stability', 'report', 'merge', 'export', 'compare']) assert.match(r.stdout, new RegExp(`fass ${c}`));
  const e = await cli(['evaluate', '--help']);
  assert.is(e.code, 0);
  for (const o of ['--model', '--data', '--json', '--seed', '--device', '--config', '--threads', '--quiet']) assert.match(e.stdout, o);
});

test('bad arguments exit 2 with a message naming the value', async () => {
  const none = await cli([]);
  assert.is(none.code, 2);
  const unknown = await cli(['evaluate', '--model', reference.onnx(), '--data', 'synthetic:4', '--bogus', '1']);
  assert.is(unknown.code, 2);
  assert.match(unknown.stderr, /bogus/);
  const n = await cli(['evaluate', '--model', reference.onnx(), '--data', 'synthetic:4', '--n', '0']);
  assert.is(n.code, 2);
  assert.match(n.stderr, /--n 0/);
  const dev = await cli(['evaluate', '--model', reference.onnx(), '--data', 'synthetic:4', '--device', 'gpu']);
  assert.is(dev.code, 2);
  assert.match(dev.stderr, /--device "gpu": must be cpu, cuda or cuda:N/);
  const data = await cli(['evaluate', '--model', reference.onnx(), '--data', 'nonsense:thing']);
  assert.is(data.code, 2);
  assert.match(data.stderr, /nonsense:thing/);
});

test('missing model exits 2; a data/model shape mismatch exits 2 naming both shapes', async () => {
  const r = await cli(['evaluate', '--model', join(dir, 'none.pt'), '--data', 'synthetic:4']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /none\.pt: model file not found/);
  const s = await cli(['evaluate', '--model', reference.onnx(), '--data', 'synthetic:4:3x32x32']);
  assert.is(s.code, 2);
  assert.match(s.stderr, /\[N, 1, 28, 28\]/);
  assert.match(s.stderr, /\[4, 3, 32, 32\]/);
});

test('--json puts the result on stdout and the words on stderr; --config sets options', async () => {
  const cfg = join(dir, 'eval.yaml');
  writeFileSync(cfg, `model: ${reference.torchscript()}\ndata: synthetic:40\nbatch-size: 16\nthreads: 1\n`);
  const r = await cli(['evaluate', '--config', cfg, '--json']);
  assert.is(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.is(j.dataset, 'synthetic:40:1x28x28:10');
  assert.is(j.n, 40);
  assert.match(r.stderr, /accuracy/);
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'model: [unclosed');
  const b = await cli(['evaluate', '--config', bad]);
  assert.is(b.code, 2);
  assert.match(b.stderr, /bad\.yaml/);
  const missing = await cli(['evaluate', '--config', join(dir, 'absent.yaml')]);
  assert.is(missing.code, 2);
  assert.match(missing.stderr, /absent\.yaml/);
});

test('evaluate: the reference model gives 0.8615 on fashion-mnist:test, TorchScript and ONNX alike', async () => {
  if (!hasFashionMnist()) return skip('fashion-mnist is not installed (apt-get install dataset-fashion-mnist)');
  for (const model of [reference.torchscript(), reference.onnx()]) {
    const r = await cli(['evaluate', '--model', model, '--data', 'fashion-mnist:test', '--json']);
    assert.is(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.is(j.n, 10000);
    assert.is(j.correct, 8615, `${model}: ${j.correct} correct`);
    assert.is(j.perClass.length, 10);
    assert.is(j.perClass[9].name, 'Ankle boot');
    assert.ok(j.imagesPerSecond > 0);
  }
});

test('train --steps 30 via the CLI writes a model evaluate can read', async () => {
  const out = join(dir, 'tiny.pt');
  const t = await cli(['train', '--data', 'synthetic:256', '--test', 'synthetic:64', '--steps', '30', '--batch-size', '32', '--out', out, '--json', '--threads', '1']);
  assert.is(t.code, 0, t.stderr);
  assert.is(JSON.parse(t.stdout).card.training.steps, 30);
  const e = await cli(['evaluate', '--model', out, '--data', 'synthetic:64', '--json']);
  assert.is(e.code, 0, e.stderr);
  assert.is(JSON.parse(e.stdout).n, 64);
});

test.run();
