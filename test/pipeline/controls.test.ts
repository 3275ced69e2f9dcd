/**
 * Controls (issue 15): the chance level of every stability cell, the control methods, method
 * agreement. Closed forms: the random control's stability equals its chance level; one fixed
 * pattern for every image has chance 1 and no corrected score; partners form one cycle.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDataset, type Dataset } from '../../src/data/index.js';
import { configure } from '../../src/methods/registry.js';
import { loadModel } from '../../src/models/load.js';
import { presetValues } from '../../src/config/presets.js';
import { parsePerturbations } from '../../src/perturb/index.js';
import { partners } from '../../src/pipeline/chance.js';
import { runStability } from '../../src/pipeline/stability.js';
import { summarise } from '../../src/store/aggregate.js';
import { withRun } from '../../src/store/run-file.js';
import { writeNpy } from '../../src/util/npy.js';
import { sharp } from '../../src/util/sharp.js';
import { reference, tempDir } from '../helpers.js';

const dir = tempDir('controls');
const { metrics, reduce } = presetValues('default');

async function study(data: string | Dataset, methods: string[], perturbations: string, out: string) {
  const model = await loadModel(reference.torchscript(), { threads: 1 });
  try {
    await runStability({
      model, data: typeof data === 'string' ? await openDataset(data) : data, methods: methods.map((name) => configure({ name })), perturbations: parsePerturbations(perturbations),
      metrics, reduce, filter: { kind: 'none' }, seed: 0, batchSize: 16, gallery: 0, out: join(dir, out),
    });
    return await withRun(join(dir, out), (f) => summarise(f, 0, 'none'));
  } finally {
    model.dispose();
  }
}

test('partners: one seeded cycle over the dataset, no sample its own partner', () => {
  for (const n of [2, 3, 17, 500]) {
    const p = partners(n, 7);
    assert.equal([...p].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i), 'a permutation');
    let i = 0, steps = 0;
    do { i = p[i]; steps++; } while (i !== 0);
    assert.is(steps, n, 'a single cycle');
  }
  assert.equal(partners(50, 1), partners(50, 1));
  assert.not.equal(partners(50, 1), partners(50, 2));
});

test('random control: its stability equals its chance level (5-sigma bound), far below 1', async () => {
  const s = await study('synthetic:48:1x28x28:10', ['random'], 'brightness:1.2,rotate:10', 'random.duckdb');
  // Two independent uniform maps of 784 (or fewer valid) pixels: Spearman per pair has sd about
  // 1/sqrt(783) = 0.036, a mean over 48 pairs 0.005, a difference of two such means 0.007; top-10%
  // Jaccard per pair sd about 0.018. 0.05 is above five sigma for each.
  for (const c of s.cells) {
    for (const m of ['spearman', 'ssim', 'topk_jaccard', 'fass'] as const) {
      const score = c.metrics[m].mean!, chance = c.chance![m].chance!;
      assert.ok(Math.abs(score - chance) < 0.05, `${c.perturbation} ${m}: stability ${score} vs chance ${chance}`);
    }
    assert.ok(c.metrics.spearman.mean! < 0.1, 'the twin draws anew: not the clean map again');
    assert.ok(Math.abs(c.chance!.fass.above_chance!) < 0.1, `above chance ${c.chance!.fass.above_chance}`);
  }
  assert.ok(s.controls, 'the summary has the chance-corrected ranking');
});

test('one pattern for every image: chance 1, the corrected score undefined with its reason', async () => {
  const img = reference.images().subarray(0, 28 * 28);
  const same = new Float32Array(6 * 28 * 28);
  for (let i = 0; i < 6; i++) same.set(img, i * 28 * 28);
  writeNpy(join(dir, 'same.npy'), { dtype: 'float32', shape: [6, 1, 28, 28], data: same });
  const s = await study(`npy:${join(dir, 'same.npy')}`, ['input'], 'brightness:1.2', 'same.duckdb');
  const c = s.cells[0];
  for (const m of ['spearman', 'ssim', 'topk_jaccard', 'fass'] as const) {
    assert.ok(Math.abs(c.chance![m].chance! - 1) < 1e-9, `${m} chance ${c.chance![m].chance}`);
    assert.is(c.chance![m].above_chance, null);
    assert.match(String(c.chance![m].reason), /chance is 1/);
  }
});

test('an unreadable partner: no chance score for its sample, the others\' scores unchanged', async () => {
  const n = 8, per = 28 * 28, images = reference.images();
  const folder = async (name: string, corrupt: number | null) => {
    const d = join(dir, name, 'a');
    mkdirSync(d, { recursive: true });
    for (let i = 0; i < n; i++) {
      const file = join(d, `${i}.png`);
      if (i === corrupt) { writeFileSync(file, 'not an image'); continue; }
      const px = Buffer.from(Array.from(images.subarray(i * per, (i + 1) * per), (v) => Math.round(v * 255)));
      await sharp()(px, { raw: { width: 28, height: 28, channels: 1 } }).png().toFile(file);
    }
    return join(dir, name);
  };
  const chance = async (name: string, corrupt: number | null) => {
    const data = await openDataset(await folder(name, corrupt), { size: 28, resize: 28, channels: 1 });
    await study(data, ['saliency', 'random'], 'brightness:1.2', `${name}.duckdb`);
    return withRun(join(dir, `${name}.duckdb`), (f) => f.query('SELECT sample_index AS i, method, chance_spearman AS c FROM pairs ORDER BY i, method'));
  };
  const [a, b] = [await chance('good', null), await chance('broken', 3)];
  const of3 = [...partners(n, 0)].indexOf(3);
  const byKey = new Map(b.map((r) => [`${r.i}|${r.method}`, r.c]));
  let compared = 0;
  for (const r of a) {
    const i = Number(r.i), key = `${i}|${r.method}`;
    assert.ok(Number.isFinite(r.c as number), `sample ${i}: a chance score where every partner is readable`);
    if (i === of3) assert.is(byKey.get(key), null, `sample ${i}, whose partner is 3, has no chance score`);
    else if (i !== 3) { assert.is(byKey.get(key), r.c, `sample ${i} ${r.method}: chance ${byKey.get(key)} vs ${r.c}`); compared++; }
  }
  assert.is(compared, 2 * (n - 2));
});

test('method agreement: a row per sample and pair; input against random is uncorrelated', async () => {
  const s = await study('synthetic:48:1x28x28:10', ['input', 'random', 'saliency'], 'hflip', 'agree.duckdb');
  assert.equal(s.agreement!.map((a) => `${a.method_a}|${a.method_b}`), ['input|random', 'input|saliency', 'random|saliency']);
  for (const a of s.agreement!) assert.is(a.spearman.n, 48);
  const ir = s.agreement!.find((a) => a.method_b === 'random')!;
  assert.ok(Math.abs(ir.spearman.mean!) < 0.05, `input vs random Spearman ${ir.spearman.mean}`);
});

test.run();
