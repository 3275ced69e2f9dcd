/**
 * fass attribute --model M --data D --n N --methods a,b,c --out DIR: maps of each method for each
 * sample (DIR/<method>.npy, dataset order), targets, ids, errors, cost.json and overlays.png.
 * Method parameters come from --config (`methods: [{name: ..., param: value}, ...]`).
 */
import { z } from 'zod';
import { batchSizeOption, ModelRun, PrecisionOption } from '../config/options.js';
import { methodSpecs } from '../config/methods.js';
import { configure } from '../methods/registry.js';
import { attribute } from '../pipeline/attribute.js';
import { defineCommand, openRun } from './common.js';
import { table } from './output.js';
import { progress } from './progress.js';

const Args = ModelRun.extend(PrecisionOption.shape).extend({
  out: z.string().min(1).describe('folder for <method>.npy, targets.npy, ids.json, errors.json, cost.json, overlays.png'),
  batchSize: batchSizeOption(64),
});

export const { command, describe, builder, handler } = defineCommand({
  command: 'attribute',
  describe: 'attribution maps of each method for each sample, with their cost',
  args: Args,
  extend: (y) => y
    .example('$0 attribute --model models/fashion-cnn.pt --data fashion-mnist:test --n 64 --methods saliency,gradcam --out maps', '')
    .example('$0 attribute --config attribute.yaml', 'methods with parameters:\n  methods:\n    - {name: integrated_gradients, n_steps: 32, method: riemann_trapezoid}\n    - {name: gradcam, layer: conv2, relu: false}'),
  body: async (a, out, argv) => {
    const configured = methodSpecs(argv.methods).map(configure);
    const { data, model, methods } = await openRun(out, a, configured);
    const bar = progress('attribute', a.quiet);
    const r = await attribute({
      model, data, methods, out: a.out, seed: a.seed, batchSize: a.batchSize, internalBatchSize: a.internalBatchSize,
      onBatch: (done, total) => bar.update(done, total),
    }).finally(() => bar.stop());
    out.say([
      `wrote     ${r.files.map((f) => `${a.out}/${f}`).join(', ')}`,
      `samples   ${r.explained} explained of ${r.n}; ${r.errors.length} error(s)${r.errors.length ? ' (errors.json)' : ''}`,
      r.forward_backward_seconds_per_image ? `model     ${(r.forward_backward_seconds_per_image * 1000).toFixed(3)} ms per image for one forward+backward` : '',
      '',
      table(['method', 'img/s', 'fwd/img', 'bwd/img', 'x fwd+bwd'], Object.entries(r.cost).map(([name, c]) => [
        name, c.images_per_second.toFixed(1), c.forward_passes_per_image.toFixed(1), c.backward_passes_per_image.toFixed(1), c.cost_in_forward_backwards?.toFixed(1) ?? '-',
      ])),
    ].filter((l, i) => l !== '' || i === 3).join('\n'));
    out.result(r);
  },
});
