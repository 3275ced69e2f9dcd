/**
 * A stability study through the library (README, "fass as a library"): how stable are three
 * methods' maps under a flip, a rotation and a brightness change? Run it after `npm run build`:
 *   node dist/examples/stability.js [MODEL] [DATA] [OUT]
 */
import { configure, loadModel, openDataset, parsePerturbations, presetValues, runStability, summariseStability, withRun } from 'fass';

const [modelPath = 'models/fashion-cnn.pt', dataSpec = 'fashion-mnist:test', out = 'runs/library.duckdb'] = process.argv.slice(2);
const data = await openDataset(dataSpec, { n: 32 });
const model = await loadModel(modelPath);
const methods = ['saliency', 'integrated_gradients', 'gradcam'].map((name) => configure({ name }));
const { metrics, reduce } = presetValues('default');
const result = await runStability({
  model, data, methods, metrics, reduce,
  perturbations: parsePerturbations('hflip,rotate:10,brightness:1.2'),
  filter: { kind: 'top1' }, seed: 0, batchSize: 32, gallery: 0, out,
});
const summary = await withRun(out, (f) => summariseStability(f, 0, 'top1'));
console.log(`${result.pairs} pairs: ${result.kept} kept, ${result.filtered} filtered, ${result.errors} errors`);
for (const r of summary.ranking) console.log(`${r.rank}. ${r.method} ${r.fass === null ? '-' : r.fass.toFixed(3)}`);
model.dispose();
