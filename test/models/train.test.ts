/** fass train's library side: seeded, writes TorchScript with its card, loads in Python too. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { openDataset } from '../../src/data/index.js';
import { TorchModel, trainReference, ModelCard } from '../../src/models/index.js';
import { tempDir, skip } from '../helpers.js';

const dir = tempDir('train');
// Synthetic data keeps this fast and independent of the installed datasets.
const spec = (out: string, seed: number) => ({
  data: 'synthetic:512:1x28x28:10', test: 'synthetic:128:1x28x28:10', out: join(dir, out),
  steps: 25, batchSize: 32, lr: 3e-3, seed, device: 'cpu', threads: 1,
});

async function logitsOf(path: string): Promise<Float32Array> {
  const m = await TorchModel.load(path, { threads: 1 });
  const ds = await openDataset('synthetic:16:1x28x28:10');
  for await (const b of ds.batches(16)) return (await m.predict(b.data, b.shape)).data;
  throw new Error('no batch');
}

test('writes TorchScript plus a card, inside the archive and beside it', async () => {
  const r = await trainReference(spec('a.pt', 7));
  assert.ok(existsSync(r.path));
  const card = ModelCard.parse(JSON.parse(readFileSync(r.cardPath, 'utf8')));
  assert.is(card.training!.steps, 25);
  assert.is(card.training!.seed, 7);
  assert.equal(card.input_shape, [1, 28, 28]);
  assert.ok(card.evaluation!.accuracy >= 0 && card.evaluation!.accuracy <= 1);
  assert.is(card.evaluation!.n, 128);
  const m = await TorchModel.load(r.path);
  assert.equal(m.inputShape, [1, 28, 28]); // from the card inside the archive
  assert.equal(m.submodules(), ['conv1', 'conv2', 'fc1', 'fc2']);
});

test('the same seed gives the same model; another seed another', async () => {
  await trainReference(spec('b.pt', 7));
  await trainReference(spec('c.pt', 8));
  const a = await logitsOf(join(dir, 'a.pt')), b = await logitsOf(join(dir, 'b.pt')), c = await logitsOf(join(dir, 'c.pt'));
  assert.equal(Array.from(a), Array.from(b));
  assert.not.equal(Array.from(a), Array.from(c));
});

test('loads in Python with torch.jit.load and gives the same logits', async () => {
  const py = '/usr/bin/python3';
  const probe = spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return skip('Python torch.jit.load check: /usr/bin/python3 with torch is absent (apt-get install python3-torch)');
  const script = `
import sys, torch
m = torch.jit.load(sys.argv[1])
x = torch.frombuffer(bytearray(sys.stdin.buffer.read()), dtype=torch.float32).reshape(16, 1, 28, 28)
sys.stdout.buffer.write(m(x).detach().contiguous().numpy().tobytes())`;
  const ds = await openDataset('synthetic:16:1x28x28:10');
  let input: Float32Array = new Float32Array();
  for await (const b of ds.batches(16)) input = b.data;
  const r = spawnSync(py, ['-c', script, join(dir, 'a.pt')], { input: Buffer.from(input.buffer), maxBuffer: 1 << 20 });
  assert.is(r.status, 0, String(r.stderr));
  const out = new Float32Array(r.stdout.buffer.slice(r.stdout.byteOffset, r.stdout.byteOffset + r.stdout.length));
  const ours = await logitsOf(join(dir, 'a.pt'));
  assert.is(out.length, 160);
  for (let i = 0; i < 160; i++) assert.ok(Math.abs(out[i] - ours[i]) < 1e-5, `logit ${i}: python ${out[i]}, fass ${ours[i]}`);
});

test.run();
