/**
 * fass robustness and fass faithfulness end to end, kept small: exactly one row per (sample,
 * metric, method); the same rows whatever the batch size; an interrupted run resumed gives the
 * same rows; another configuration is refused (library and CLI share run files); the report has the section.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { openDataset } from '../../src/data/index.js';
import { configure } from '../../src/methods/registry.js';
import { TorchModel } from '../../src/models/index.js';
import { RobustnessOptions } from '../../src/metrics/robustness.js';
import { robustnessScores, runRobustness } from '../../src/pipeline/robustness.js';
import { runFaithfulness } from '../../src/pipeline/faithfulness.js';
import { FaithfulnessOptions } from '../../src/metrics/faithfulness.js';
import { UserError } from '../../src/errors.js';
import { RunFile } from '../../src/store/run-file.js';
import { cli, reference, tempDir, throwsWith } from '../helpers.js';

const dir = tempDir('robustness');
const METRICS = ['max_sensitivity', 'avg_sensitivity', 'local_lipschitz', 'ris', 'ros', 'consistency'];
const ARGS = ['--model', reference.torchscript(), '--data', 'synthetic:10:1x28x28:3', '--methods', 'saliency,input_x_gradient', '--samples', '4', '--threads', '1', '--quiet'];

async function rows(path: string) {
  const f = await RunFile.read(path);
  try {
    const r = await f.query('SELECT * EXCLUDE (sample_id) FROM scores ORDER BY sample_index, metric, method');
    return { json: JSON.stringify(r), rows: r };
  } finally {
    f.close();
  }
}

let whole: Awaited<ReturnType<typeof rows>>;

test('robustness: one row per (sample, metric, method), every kept row scored, exclusions counted', async () => {
  const out = join(dir, 'whole.duckdb');
  const r = await cli(['robustness', ...ARGS, '--out', out, '--batch-size', '4', '--json']);
  assert.is(r.code, 0, r.stderr);
  whole = await rows(out);
  assert.is(whole.rows.length, 10 * METRICS.length * 2);
  for (const row of whole.rows) {
    if (row.status === 'kept') assert.ok(typeof row.score === 'number' && Number.isFinite(row.score), JSON.stringify(row));
    else assert.ok(row.reason, 'a row that is not kept says why');
    if (row.metric !== 'consistency') assert.is(Number(row.n_used) + Number(row.n_excluded), 4);
    if (row.status === 'excluded' && row.metric !== 'consistency') assert.is(Number(row.n_used), 0);
  }
  const j = JSON.parse(r.stdout);
  assert.is(j.summary.cells.length, METRICS.length * 2);
  assert.ok(j.summary.consistency.some((c: { label: number | null }) => c.label === null), 'pooled consistency');
});

const spec = async (out: string, batchSize: number) => ({
  model: await TorchModel.load(reference.torchscript(), { threads: 1 }), data: await openDataset('synthetic:10:1x28x28:3'),
  methods: [configure({ name: 'saliency' }), configure({ name: 'input_x_gradient' })], metrics: METRICS as never,
  options: RobustnessOptions.parse({ samples: 4 }), reduce: 'sum' as const, seed: 0, batchSize, out,
});

test('the library with another batch size gives the same rows', async () => {
  const out = join(dir, 'b10.duckdb');
  await runRobustness(await spec(out, 10));
  assert.is((await rows(out)).json, whole.json);
});

test('a run interrupted after its first batch resumes to the same rows', async () => {
  const out = join(dir, 'interrupted.duckdb');
  const s = await spec(out, 4);
  let err: unknown;
  await runRobustness({ ...s, onBatch: () => { throw new Error('interrupted'); } }).catch((e) => (err = e));
  assert.match(String(err), /interrupted/);
  const partial = await rows(out);
  assert.is(partial.rows.length, 4 * METRICS.length * 2, 'the first batch was committed');
  const r = await runRobustness(s);
  assert.is(r.resumedFrom, 4);
  assert.is(r.samples, 6);
  assert.is((await rows(out)).json, whole.json);
});

test('another configuration against the run file is refused, naming the difference', async () => {
  const s = await spec(join(dir, 'whole.duckdb'), 4);
  await throwsWith(runRobustness({ ...s, options: RobustnessOptions.parse({ samples: 8 }) }), UserError, 'another configuration', 'samples');
});

test('report: the robustness section with its table and plot', async () => {
  const html = join(dir, 'report.html');
  const r = await cli(['report', join(dir, 'whole.duckdb'), '--out', html]);
  assert.is(r.code, 0, r.stderr);
  const text = readFileSync(html, 'utf8');
  assert.ok(text.includes('Attribution robustness'));
  assert.ok(text.includes('<svg'));
  assert.ok(text.includes('max_sensitivity'));
  assert.ok(text.includes('pooled'));
  const exp = await cli(['export', join(dir, 'whole.duckdb'), '--format', 'csv', '--out', join(dir, 'whole')]);
  assert.is(exp.code, 0, exp.stderr);
  assert.is(readFileSync(join(dir, 'whole.scores.csv'), 'utf8').trim().split('\n').length, 1 + 10 * METRICS.length * 2);
});

test('faithfulness: one row per (sample, metric, method), resumable, in the report', async () => {
  const out = join(dir, 'faith.duckdb');
  const args = ['faithfulness', '--model', reference.torchscript(), '--data', 'synthetic:6', '--methods', 'saliency,input_x_gradient', '--threads', '1', '--quiet', '--out', out, '--batch-size', '4'];
  const r = await cli([...args, '--json']);
  assert.is(r.code, 0, r.stderr);
  const first = await rows(out);
  assert.is(first.rows.length, 6 * 2 * 2);
  for (const row of first.rows) {
    assert.is(row.status, 'kept', String(row.reason));
    assert.ok(Number(row.score) >= 0 && Number(row.score) <= 1);
  }
  const again = await runFaithfulness({
    model: await TorchModel.load(reference.torchscript(), { threads: 1 }), data: await openDataset('synthetic:6'),
    methods: [configure({ name: 'saliency' }), configure({ name: 'input_x_gradient' })], metrics: ['deletion', 'insertion'],
    options: FaithfulnessOptions.parse({}), seed: 0, batchSize: 4, out,
  });
  assert.is(again.resumedFrom, 6, 'the library resumes the CLI\'s run: same configuration');
  assert.is(again.samples, 0);
  assert.is((await rows(out)).json, first.json);
  const html = join(dir, 'faith.html');
  assert.is((await cli(['report', out, '--out', html])).code, 0);
  assert.ok(readFileSync(html, 'utf8').includes('Attribution faithfulness'));
});

test('robustnessScores: one mean per (method, metric) for a model, with n and direction', async () => {
  const model = await TorchModel.load(reference.torchscript(), { threads: 1 });
  const data = await openDataset('synthetic:6');
  const s = await robustnessScores(model, data, [configure({ name: 'saliency' })], ['max_sensitivity', 'consistency'], { samples: 2 });
  assert.is(s.length, 2);
  const ms = s.find((x) => x.metric === 'max_sensitivity')!;
  assert.is(ms.method, 'saliency');
  assert.is(ms.higherIsBetter, false);
  assert.ok(ms.n > 0 && typeof ms.mean === 'number');
  assert.is(s.find((x) => x.metric === 'consistency')!.higherIsBetter, true);
});

test.run();
