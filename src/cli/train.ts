/** fass train: the reference CNN on Fashion-MNIST, trained natively, seeded; TorchScript + card. */
import { z } from 'zod';
import { batchSizeOption, Common } from '../config/options.js';
import { trainReference } from '../models/train.js';
import { defaultThreads } from '../util/threads.js';
import { defineCommand } from './common.js';
import { table } from './output.js';
import { progress } from './progress.js';

export const DEFAULT_MODEL = 'models/fashion-cnn.pt';
export const DEFAULT_STEPS = 1800;

const Args = Common.extend({
  data: z.string().default('fashion-mnist:train').describe('training split'),
  test: z.string().default('fashion-mnist:test').describe('split the card reports accuracy on'),
  out: z.string().default(DEFAULT_MODEL).describe('TorchScript file to write; the card goes beside it as .json'),
  steps: z.number().int().min(1, 'must be an integer >= 1').default(DEFAULT_STEPS).describe('optimiser steps; a small number (e.g. 30) makes a deliberately poor model'),
  batchSize: batchSizeOption(128, 'images per optimiser step'),
  lr: z.number().positive('must be > 0').default(3e-3).describe('Adam learning rate (cosine-decayed)'),
});

export const { command, describe, builder, handler } = defineCommand({
  command: 'train',
  describe: 'train the reference CNN (seeded) and write TorchScript plus a JSON card',
  args: Args,
  extend: (y) => y
    .example('$0 train', 'the default model, models/fashion-cnn.pt')
    .example('$0 train --steps 30 --out models/fashion-cnn-poor.pt', 'a poorly trained model'),
  body: async (a, out) => {
    const bars = { load: progress('load', a.quiet), train: progress('train', a.quiet), evaluate: progress('evaluate', a.quiet) };
    let phase: keyof typeof bars = 'load';
    const r = await trainReference({
      data: a.data, test: a.test, out: a.out, steps: a.steps, batchSize: a.batchSize, lr: a.lr, seed: a.seed,
      device: a.device, threads: a.threads ?? defaultThreads(), dataRoot: a.dataRoot,
      onProgress: (p, done, total, loss) => {
        if (p !== phase) { bars[phase].stop(); phase = p; }
        bars[p].update(done, total, loss === undefined ? '' : `loss ${loss.toFixed(4)}`);
      },
    }).finally(() => Object.values(bars).forEach((b) => b.stop()));
    const t = r.card.training!;
    out.say(
      [
        `model     ${r.path}`,
        `card      ${r.cardPath}`,
        `training  ${t.steps} steps of ${t.batch_size} (${t.epochs} epoch(s)) in ${t.seconds!.toFixed(1)} s, seed ${t.seed}, final loss ${t.final_loss!.toFixed(4)}`,
        `accuracy  ${r.evaluation.accuracy.toFixed(4)} on ${r.evaluation.dataset} (${r.evaluation.n} images)`,
        '',
        table(['class', 'accuracy'], r.evaluation.perClass.map((c) => [`${c.label} ${c.name}`, c.accuracy.toFixed(4)])),
      ].join('\n'),
    );
    out.result({ path: r.path, cardPath: r.cardPath, card: r.card, evaluation: r.evaluation });
  },
});
