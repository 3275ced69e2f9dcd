/** OnnxModel (onnxruntime-node) against the reference logits. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { OnnxModel, argmax, loadModel, type Logits } from '../../src/models/index.js';
import { OnnxSession } from '../../src/models/onnx-session.js';
import { takeFloats } from '../../src/util/float-pool.js';
import { performance } from 'node:perf_hooks';
import { maxDiff, reference, throwsWith } from '../helpers.js';

test('ONNX reference CNN: logits of the 16 reference images within 1e-5', async () => {
  const m = await OnnxModel.load(reference.onnx(), { threads: 2 });
  assert.equal(m.inputShape, [1, 28, 28]);
  const out = await m.predict(reference.images(), [16, 1, 28, 28]);
  const d = maxDiff(out.data, reference.logits());
  assert.ok(d < 1e-5, `max |diff| ${d}`);
  assert.equal(Array.from(argmax(out)), reference.pred());
  m.dispose();
});

test('loadModel picks the adapter by extension', async () => {
  assert.is((await loadModel(reference.onnx())).kind, 'onnx');
  assert.is((await loadModel(reference.torchscript())).kind, 'torchscript');
});

test('normalisation in the adapter: mean 0, std 1 changes nothing; mean 0.5, std 2 changes the logits', async () => {
  const x = reference.images();
  const plain = await (await OnnxModel.load(reference.onnx())).predict(x, [16, 1, 28, 28]);
  const same = await (await OnnxModel.load(reference.onnx(), { mean: [0], std: [1] })).predict(x, [16, 1, 28, 28]);
  assert.ok(maxDiff(plain.data, same.data) === 0);
  const norm = await (await OnnxModel.load(reference.onnx(), { mean: [0.5], std: [2] })).predict(x, [16, 1, 28, 28]);
  const manual = await (await OnnxModel.load(reference.onnx())).predict(x.map((v) => (v - 0.5) / 2), [16, 1, 28, 28]);
  assert.ok(maxDiff(norm.data, manual.data) < 1e-6);
  assert.ok(maxDiff(norm.data, plain.data) > 1e-3);
});

test('calls in flight at once each get their own logits, the same as one at a time; the input stays the caller\'s', async () => {
  const m = await OnnxModel.load(reference.onnx(), { threads: 1 });
  const x = reference.images(), per = 28 * 28;
  // Six different batches (shifted views into one buffer), sent together.
  const inputs = Array.from({ length: 6 }, (_, i) => x.subarray(i * per, (i + 10) * per).map((v) => v * (1 + i / 10)));
  const together = await Promise.all(inputs.map((d) => m.predict(d, [10, 1, 28, 28])));
  for (let i = 0; i < inputs.length; i++) {
    const alone = await m.predict(inputs[i], [10, 1, 28, 28]);
    assert.ok(maxDiff(together[i].data, alone.data) === 0, `batch ${i}`);
    assert.is(inputs[i].length, 10 * per);  // not moved to the worker
  }
  assert.ok(maxDiff(together[0].data, together[1].data) > 1e-3);
  m.dispose();
  await throwsWith(m.predict(x, [16, 1, 28, 28]), Error, 'released');
});

test('a spare session takes calls only while open, each call the logits of one session alone; its time is counted', async () => {
  const m = await OnnxModel.load(reference.onnx(), { threads: 1, spares: 1 });
  assert.is(m.spares, 1);
  const x = reference.images(), per = 28 * 28;
  const inputs = Array.from({ length: 6 }, (_, i) => x.subarray(i * per, (i + 10) * per).map((v) => v * (1 + i / 10)));
  const alone: Logits[] = [];
  for (const d of inputs) alone.push(await m.predict(d, [10, 1, 28, 28]));
  const sessions = (m as unknown as { sessions: OnnxSession[] }).sessions;
  const waiting = async (open: boolean) => {
    m.setOpen(open);
    const calls = inputs.map((d) => m.predict(d, [10, 1, 28, 28]));
    const seen = sessions.map((s) => s.waiting);
    const got = await Promise.all(calls);
    got.forEach((g, i) => assert.ok(maxDiff(g.data, alone[i].data) === 0, `open ${open}, batch ${i}`));
    return seen;
  };
  assert.equal(await waiting(false), [6, 0]);
  assert.equal(await waiting(true), [3, 3]);
  // Session-seconds: one session's time while closed, two sessions' while open.
  const span = async (open: boolean) => {
    m.setOpen(open);
    const t = performance.now(), s0 = m.sessionSeconds();
    await new Promise((r) => setTimeout(r, 40));
    return (m.sessionSeconds() - s0) / ((performance.now() - t) / 1000);
  };
  const [closed, open] = [await span(false), await span(true)];
  assert.ok(Math.abs(closed - 1) < 0.05 && Math.abs(open - 2) < 0.1, `closed ${closed}, open ${open}`);
  m.dispose();
  await throwsWith(m.predict(x, [16, 1, 28, 28]), Error, 'released');
});

test('a call onnxruntime rejects fails with its message; the session goes on', async () => {
  const s = await OnnxSession.create(reference.onnx(), { intraOpNumThreads: 1 });
  await throwsWith(s.run(new Float32Array(2 * 30 * 30), [2, 1, 30, 30]), Error, 'Got invalid dimensions');
  const ok = await s.run(reference.images(), [16, 1, 28, 28]);
  assert.equal(ok.dims, [16, 10]);
  assert.ok(maxDiff(ok.data, reference.logits()) < 1e-5);
  s.release();
});

test('what a call sends comes back to the float pool, for a later call to reuse', async () => {
  const s = await OnnxSession.create(reference.onnx(), { intraOpNumThreads: 1 });
  const images = reference.images(), dims = [16, 1, 28, 28];
  // Handed over: the array itself goes to the worker and back.
  const sent = takeFloats(images.length);
  sent.set(images);
  assert.ok(maxDiff((await s.run(sent, dims, true)).data, reference.logits()) < 1e-5);
  assert.is(sent.length, 0, 'moved to the worker');
  assert.ok(maxDiff(takeFloats(images.length), images) === 0, 'the same values came back');
  // Kept by the caller: the copy made for the call comes back.
  const kept = images.map((v) => 1 - v);
  await s.run(kept, dims);
  assert.is(kept.length, images.length);
  assert.ok(maxDiff(takeFloats(images.length), kept) === 0, 'the copy came back');
  s.release();
});

test('a file onnxruntime cannot load rejects at create', async () => {
  await throwsWith(OnnxSession.create(reference.torchscript(), {}), Error, 'Protobuf parsing failed');
});

test.run();
