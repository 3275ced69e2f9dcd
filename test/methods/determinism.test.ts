/** The same seed gives bit-identical maps on CPU whatever the batch split and internal batch size. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { AttributionInput, Method } from '../../src/methods/types.js';
import { integratedGradients } from '../../src/methods/integrated-gradients.js';
import { smoothgrad } from '../../src/methods/smoothgrad.js';
import { gradientShap } from '../../src/methods/gradient-shap.js';
import { gradcam } from '../../src/methods/gradcam.js';
import { saliency } from '../../src/methods/saliency.js';
import { input as inputControl, random } from '../../src/methods/controls.js';
import { referenceInput, referenceModel } from './fixtures.js';

const ctx = { meanColour: new Float32Array([0.29]) };
const cases: [Method<any>, object][] = [
  [saliency, {}],
  [integratedGradients, { n_steps: 8, baseline: 'uniform' }],
  [smoothgrad, { n: 4 }],
  [gradientShap, { n_samples: 4, stdev: 0.05 }],
  [gradcam, {}],
  [random, {}],
  [inputControl, {}],
];

function slice(input: AttributionInput, a: number, b: number): AttributionInput {
  return { data: input.data.subarray(a * 784, b * 784), shape: [b - a, 1, 28, 28], targets: input.targets.subarray(a, b), seeds: input.seeds.subarray(a, b) };
}

for (const [method, params] of cases) {
  test(`${method.name}: batch 16 = batches 5 + 11, internal batch all = 3 = 7`, async () => {
    const m = await referenceModel(2, 'cpu');  // the CPU's fixed kernel batch is what makes this hold
    const input = referenceInput(7);
    const p = method.params.parse(params);
    const whole = await method.run(m, input, p, ctx);
    const parts = [await method.run(m, slice(input, 0, 5), p, ctx), await method.run(m, slice(input, 5, 16), p, ctx)];
    const joined = new Float32Array([...parts[0].maps, ...parts[1].maps]);
    assert.ok(Buffer.compare(Buffer.from(whole.maps.buffer), Buffer.from(joined.buffer)) === 0, 'batch split changed the maps');
    for (const internal of [3, 7]) {
      const r = await method.run(m, input, p, { ...ctx, internalBatchSize: internal });
      assert.ok(Buffer.compare(Buffer.from(whole.maps.buffer), Buffer.from(r.maps.buffer)) === 0, `internal batch ${internal} changed the maps`);
    }
  });
}

test.run();
