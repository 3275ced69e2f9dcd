/** fass osr end to end on tiny GANs: one row per (sample, method), resume, K-independence, refusals, osrScores. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { openDataset } from '../../src/data/index.js';
import { configure } from '../../src/methods/registry.js';
import { TorchModel } from '../../src/models/torch-model.js';
import { osrConfig, osrOf } from '../../src/metrics/osr.js';
import { osrScores } from '../../src/pipeline/osr.js';
import { RunFile } from '../../src/store/run-file.js';
import { summariseOsr } from '../../src/store/osr-aggregate.js';
import { UserError } from '../../src/errors.js';
import { cli, reference, tempDir, throwsWith } from '../helpers.js';

const dir = tempDir('osr');
const TINY = ['--gan-widths', '32,64', '--disc-widths', '32,16', '--gan-copies', '128', '--gan-epochs', '2', '--gan-samples', '10'];
const ARGS = ['--model', reference.torchscript(), '--data', 'synthetic:6:1x28x28:10', '--methods', 'saliency,gradcam', '--threads', '1', '--quiet', ...TINY];

async function rows(path: string) {
  const f = await RunFile.read(path);
  try {
    return {
      osr: await f.query('SELECT * EXCLUDE (sample_id) FROM osr ORDER BY sample_index, method'),
      images: await f.query('SELECT * EXCLUDE (sample_id) FROM osr_images ORDER BY sample_index'),
      summary: await summariseOsr(f, 0),
    };
  } finally {
    f.close();
  }
}

let whole: Awaited<ReturnType<typeof rows>>;

test('fass osr: exactly one row per (sample, method), a summary, --json', async () => {
  const out = join(dir, 'whole.duckdb');
  const r = await cli(['osr', ...ARGS, '--out', out, '--k', '3', '--json']);
  assert.is(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.is(j.run.rows, 6 * 2);
  whole = await rows(out);
  assert.is(whole.osr.length, 12);
  assert.is(whole.images.length, 6);
  for (const row of whole.osr) {
    if (row.status === 'kept') assert.ok(typeof row.osr === 'number' && (row.osr as number) >= 0);
    else assert.ok(typeof row.reason === 'string' && (row.reason as string).length > 0, 'an error row says why');
  }
  assert.is(j.summary.methods.length, 2);
  assert.ok(j.summary.images.noise_changed.mean !== undefined);
});

test('fass export on an OSR run writes its osr and osr_images tables beside samples', async () => {
  const { readFileSync } = await import('node:fs');
  const r = await cli(['export', join(dir, 'whole.duckdb'), '--format', 'csv', '--out', join(dir, 'whole'), '--json']);
  assert.is(r.code, 0, r.stderr);
  const lines = (t: string) => readFileSync(join(dir, `whole.${t}.csv`), 'utf8').trim().split('\n');
  assert.is(lines('osr').length, 1 + 6 * 2);
  assert.ok(lines('osr')[0].includes('method'), lines('osr')[0]);
  assert.is(lines('osr_images').length, 1 + 6);
  assert.is(lines('samples').length, 1 + 6);
});

test('fass report on an OSR run: the neighbours and method tables', async () => {
  const html = join(dir, 'osr.html');
  const r = await cli(['report', join(dir, 'whole.duckdb'), '--out', html]);
  assert.is(r.code, 0, r.stderr);
  const { readFileSync } = await import('node:fs');
  const text = readFileSync(html, 'utf8');
  assert.match(text, /OSR by method/);
  assert.match(text, /noise neighbours with another prediction/);
  assert.match(text, /saliency/);
});

test('K does not change results; rerunning resumes (no new rows)', async () => {
  const out = join(dir, 'k1.duckdb');
  const first = await cli(['osr', ...ARGS, '--n', '4', '--out', out, '--k', '1']);
  assert.is(first.code, 0, first.stderr);
  const r = await cli(['osr', ...ARGS, '--out', out, '--k', '2', '--n', '4', '--json']);
  assert.is(r.code, 0, r.stderr);
  assert.is(JSON.parse(r.stdout).run.samples, 0, 'nothing left to do');
  const got = await rows(out);
  const near = (a: unknown, b: unknown) => (typeof a === 'number' && typeof b === 'number' ? Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(b)) : a === b);
  for (const [i, row] of got.osr.entries()) {
    for (const k of Object.keys(row)) assert.ok(near(row[k], whole.osr[i][k]), `osr row ${i} ${k}: ${row[k]} vs ${whole.osr[i][k]}`);
  }
  for (const [i, row] of got.images.entries()) {
    for (const k of Object.keys(row)) assert.ok(near(row[k], whole.images[i][k]), `image ${i} ${k}: ${row[k]} vs ${whole.images[i][k]}`);
  }
});

test('another configuration is refused, naming the difference', async () => {
  const out = join(dir, 'whole.duckdb');
  const r = await cli(['osr', ...ARGS, '--out', out, '--delta', '3']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /osr/);
  assert.match(r.stderr, /another configuration/);
});

test('no accepted sample: an error row with the reason, never a silent number', async () => {
  const out = join(dir, 'none.duckdb');
  // delta 0: |f_y(x) - f_y(x')| <= 0 holds for no generated sample.
  const r = await cli(['osr', ...ARGS, '--n', '2', '--out', out, '--delta', '0', '--json']);
  assert.is(r.code, 0, r.stderr);
  const got = await rows(out);
  assert.is(got.osr.length, 4);
  for (const row of got.osr) {
    assert.is(row.status, 'error');
    assert.is(row.osr, null);
    assert.match(String(row.reason), /no GAN sample accepted \(0 of 10/);
  }
  assert.is(got.summary.images.none_accepted, 2);
});

test('osrOf: mean L2 distance, normalised by ||g(x)||, reasons for undefined values', () => {
  const g = Float32Array.of(3, 4);
  const s = osrOf(g, Float32Array.of(3, 4, 0, 4, 3, 0), 3, 5);
  assert.ok(Math.abs(s.osr! - (0 + 3 + 4) / 3) < 1e-12);
  assert.ok(Math.abs(s.osrNormalised! - 7 / 3 / 5) < 1e-12);
  assert.match(String(osrOf(g, new Float32Array(0), 0, 5).reason), /no GAN sample accepted/);
  assert.match(String(osrOf(Float32Array.of(0, 0), Float32Array.of(1, 1), 1, 5).reason), /no normalised OSR/);
});

test('osrScores: one mean per method (library entry point); ONNX models refused', async () => {
  const model = await TorchModel.load(reference.torchscript(), { threads: 1 });
  const data = await openDataset('synthetic:2:1x28x28:10');
  const methods = ['saliency', 'input_x_gradient'].map((name) => configure({ name }));
  const options = osrConfig({ generatorWidths: [32, 64], discriminatorWidths: [32, 16], ganCopies: 128, ganEpochs: 2, ganSamples: 10 });
  const s = await osrScores(model, data, methods, { options, k: 2 });
  assert.equal(s.map((x) => [x.method, x.metric]), [['saliency', 'osr'], ['input_x_gradient', 'osr']]);
  for (const x of s) assert.ok(x.n === 0 ? x.mean === null : typeof x.mean === 'number' && x.mean >= 0);
  const { loadModel } = await import('../../src/models/load.js');
  const onnx = await loadModel(reference.onnx());
  await throwsWith(osrScores(onnx, data, methods, { options }), UserError, 'TorchScript');
});

test.run();
