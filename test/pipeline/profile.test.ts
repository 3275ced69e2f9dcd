/** --profile (issue 16): every phase timed, passes counted once, the fraction of the physical limit measured. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openDataset } from '../../src/data/index.js';
import { configure } from '../../src/methods/registry.js';
import { loadModel } from '../../src/models/load.js';
import { presetValues } from '../../src/config/presets.js';
import { parsePerturbations } from '../../src/perturb/index.js';
import { runStability } from '../../src/pipeline/stability.js';
import { cli, reference, tempDir } from '../helpers.js';

const dir = tempDir('profile');

test('a profiled stability run: phases, passes counted once, a fraction of the physical limit', async () => {
  const model = await loadModel(reference.torchscript(), { threads: 1 });
  const { metrics, reduce } = presetValues('default');
  const out = join(dir, 'run.duckdb');
  const r = await runStability({
    model, data: await openDataset('synthetic:16:1x28x28:10'), methods: ['saliency', 'occlusion', 'gradcam'].map((name) => configure({ name })),
    perturbations: parsePerturbations('hflip,brightness:1.2'), metrics, reduce, filter: { kind: 'none' }, controls: 'none',
    seed: 0, batchSize: 8, gallery: 0, out, profile: true,
  });
  const p = r.profile!;
  for (const phase of ['warm-up', 'decode', 'predict', 'saliency', 'occlusion', 'perturb', 'align', 'similarity', 'store']) assert.ok(p.phases[phase], `phase ${phase}`);
  // The warm-up's blank image is not the run's work: no passes of its own, none in saliency's.
  assert.is(p.phases['warm-up'].forward_passes + p.phases['warm-up'].backward_passes, 0);
  // 16 clean images and 32 twins (filter none: every twin is explained): one forward and one backward each for saliency.
  assert.is(p.phases.saliency.forward_passes, 48);
  assert.is(p.phases.saliency.backward_passes, 48);
  // Predictions: the clean batch and the twins, not occlusion's own calls (those are its cost).
  assert.is(p.phases.predict.forward_passes, 48);
  assert.ok(p.phases.occlusion.forward_passes > 48, 'occlusion: a pass per window and image');
  assert.ok(p.bytes_to_native > 16 * 784 * 4, 'pixels went native');
  assert.ok(p.forward_row_s! > 0 && p.forward_backward_row_s! > 0);
  // The best per-row times count the run's own calls: never slower than its predictions were on average.
  assert.ok(p.forward_row_s! <= p.phases.predict.wall_s / p.phases.predict.forward_passes, 'forward row time at most the predictions\' average');
  assert.ok(p.forward_backward_row_s! <= p.phases.saliency.wall_s / p.phases.saliency.forward_passes, 'forward+backward row time at most saliency\'s average');
  assert.ok(p.fraction_of_limit! > 0 && Number.isFinite(p.fraction_of_limit!), `fraction ${p.fraction_of_limit}`);
  // Grad-CAM's backward stops at its layer: its limit is its passes at its own best row time, not a full backward's.
  assert.ok(p.method_row_s.gradcam! > 0, 'Grad-CAM row time measured');
  assert.ok(Math.abs(p.phases.gradcam.limit_s! - p.phases.gradcam.forward_passes * p.method_row_s.gradcam!) < 1e-12, 'Grad-CAM limit at its own rate');
  assert.ok(p.method_row_s.gradcam! <= p.phases.gradcam.wall_s / p.phases.gradcam.forward_passes, 'at most its own calls\' average');
  // A limit the run's own calls beat is no limit: each method's fraction is at most 1.
  for (const m of ['saliency', 'gradcam', 'occlusion']) assert.ok(p.phases[m].fraction_of_limit! <= 1 + 1e-9, `${m}: ${p.phases[m].fraction_of_limit}`);
  assert.ok(existsSync(`${out}.profile.json`));
  assert.is(JSON.parse(readFileSync(`${out}.profile.json`, 'utf8')).phases.saliency.forward_passes, 48);
});

test('--profile on the command line prints the phases and the fraction', async () => {
  const r = await cli(['robustness', '--model', reference.torchscript(), '--data', 'synthetic:4:1x28x28:10', '--methods', 'saliency', '--metrics', 'max_sensitivity',
    '--samples', '2', '--out', join(dir, 'rob.duckdb'), '--profile', '--quiet']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr + r.stdout, /profile .* s wall/);
  assert.match(r.stderr + r.stdout, /of it/);
});

test.run();
