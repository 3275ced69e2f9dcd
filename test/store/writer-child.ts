/** Child process for the kill test: appends batches of 4 samples x 3 rows until killed. */
import { RunFile } from '../../src/store/run-file.js';
import type { PairRow, SampleRow } from '../../src/store/schema.js';

const f = await RunFile.open(process.argv[2], { test: 'kill' });
const done = await f.done();
for (let b = 0; b < 100000; b++) {
  const idx = [0, 1, 2, 3].map((i) => b * 4 + i).filter((i) => !done.has(i));
  const samples: SampleRow[] = idx.map((i) => ({ sample_index: i, sample_id: `s${i}`, label: 1, status: 'ok', clean_pred: 1, reason: null }));
  const pairs: PairRow[] = idx.flatMap((i) => ['a', 'b', 'c'].map((m) => ({
    sample_index: i, sample_id: `s${i}`, perturbation: 'rotate:5', family: 'geometric', name: 'rotate', severity: 5, method: m,
    status: 'kept' as const, clean_pred: 1, perturbed_pred: 1, prediction_changed: false, logit_change: 0.1, scores: { ssim: i / 1000 }, reason: null,
  })));
  await f.appendBatch(samples, { pairs });
  if (b === 3) process.stdout.write('ready\n');
}
