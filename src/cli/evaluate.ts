/** fass evaluate --model M --data D: top-1 accuracy, per-class accuracy, images per second. */
import { batchSizeOption, Common, DataOptions, ModelRun, Normalisation, PrecisionOption } from '../config/options.js';
import { evaluate } from '../models/evaluate.js';
import { loadModel } from '../models/load.js';
import { defineCommand, modelOptions, openData } from './common.js';
import { table } from './output.js';
import { progress } from './progress.js';

const Args = Common.extend(DataOptions.shape).extend(Normalisation.shape).extend(PrecisionOption.shape).extend({
  model: ModelRun.shape.model,
  batchSize: batchSizeOption(256, 'images per predict call'),
});

export const { command, describe, builder, handler } = defineCommand({
  command: 'evaluate',
  describe: 'top-1 accuracy, per-class accuracy and images/s of a model on a dataset',
  args: Args,
  extend: (y) => y.example('$0 evaluate --model models/fashion-cnn.pt --data fashion-mnist:test', ''),
  body: async (a, out) => {
    const data = await openData(a);
    const model = await loadModel(a.model, modelOptions(a));
    const bar = progress('evaluate', a.quiet);
    const r = await evaluate(model, data, {
      batchSize: a.batchSize,
      onBatch: (done, total, correct) => bar.update(done, total, `acc ${(correct / Math.max(1, done)).toFixed(4)}`),
    }).finally(() => bar.stop());
    model.dispose();
    out.say(
      [
        `model     ${a.model} (${model.kind}, ${model.device}, ${model.precision})`,
        `data      ${data.name} (${data.size} samples)`,
        `accuracy  ${r.accuracy.toFixed(4)} (${r.correct}/${r.n})`,
        `speed     ${Math.round(r.imagesPerSecond)} images/s end to end, ${Math.round(r.predictImagesPerSecond)} images/s in the model`,
        `errors    ${r.errors.length}${r.errors.length ? ': ' + r.errors.slice(0, 5).map((e) => `${e.id} (${e.reason})`).join('; ') + (r.errors.length > 5 ? '; ...' : '') : ''}`,
        r.unlabelled ? `unlabelled ${r.unlabelled} (not in the accuracy)` : '',
        '',
        table(['class', 'n', 'accuracy'], r.perClass.map((c) => [`${c.label} ${c.name}`, c.n, c.accuracy.toFixed(4)])),
      ].filter((l, i) => l !== '' || i === 6).join('\n'),
    );
    out.result({ ...r, modelKind: model.kind, device: model.device, precision: model.precision });
  },
});
