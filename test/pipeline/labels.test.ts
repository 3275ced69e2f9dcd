/** A sample without a dataset label is stored the same way by every run kind: label NULL. */
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RunFile } from '../../src/store/run-file.js';
import { writeNpy } from '../../src/util/npy.js';
import { cli, reference, tempDir } from '../helpers.js';

const dir = tempDir('labels');
const images = join(dir, 'unlabelled.npy');
// Two Fashion-MNIST-like images (the reference inputs), with no labels file.
writeNpy(images, { dtype: 'float32', data: reference.images().subarray(0, 2 * 784), shape: [2, 1, 28, 28] });
const common = ['--model', reference.torchscript(), '--data', `npy:${images}`, '--methods', 'saliency', '--threads', '1', '--quiet'];
const kinds: Record<string, string[]> = {
  stability: ['stability', ...common, '--perturbations', 'hflip'],
  robustness: ['robustness', ...common, '--metrics', 'max_sensitivity', '--samples', '2'],
  faithfulness: ['faithfulness', ...common, '--metrics', 'deletion', '--step', '196'],
  osr: ['osr', ...common, '--gan-widths', '32,64', '--disc-widths', '32,16', '--gan-copies', '64', '--gan-epochs', '1', '--gan-samples', '4'],
};

for (const [kind, args] of Object.entries(kinds)) {
  test(`${kind}: an unlabelled sample's label is NULL`, async () => {
    const out = join(dir, `${kind}.duckdb`);
    const r = await cli([...args, '--out', out]);
    assert.is(r.code, 0, r.stderr);
    const f = await RunFile.read(out);
    try {
      const rows = await f.query('SELECT sample_index, label FROM samples ORDER BY sample_index');
      assert.equal(rows.map((x) => x.label), [null, null]);
    } finally {
      f.close();
    }
  });
}

test.run();
