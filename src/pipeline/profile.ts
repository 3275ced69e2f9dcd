/**
 * `--profile` (issue 16): where a run's time goes. Per phase (decode, predict, each method,
 * perturb, align, similarity, chance, store): wall time, the process's CPU user and system time
 * while it ran, calls, and for methods and predictions the forward and backward passes. Then the
 * run's fraction of the physical limit: the passes the work needed times the best per-row time of
 * one pass on the same model and device (measured at the end of the run, or seen in the run's
 * own calls if those were faster), over the wall time. Phases overlap where the run overlaps work
 * (method lanes, the next perturbations' predictions), so their times may add up to more than the
 * wall time.
 */
import { performance } from 'node:perf_hooks';
import type { ConfiguredMethod } from '../methods/registry.js';
import type { AttributionInput, RunContext } from '../methods/types.js';
import type { Model } from '../models/model.js';
import { transferred } from '../native.js';

/** Methods run side by side; `borrows`: the lane takes the others' cores once they are done (its passes may then use more than its share). */
export interface Lane { methods: string[]; borrows: boolean }

export interface PhaseStat { wall_s: number; user_s: number; system_s: number; calls: number; forward_passes: number; backward_passes: number }

export interface ProfileReport {
  wall_s: number;
  user_s: number;
  system_s: number;
  /**
   * Per phase; those that make passes also their own limit and fraction of it, and forward ones
   * that had spare sessions open for part of their time the sessions they had on average.
   */
  phases: Record<string, PhaseStat & { limit_s?: number; fraction_of_limit?: number; sessions?: number }>;
  /** Bytes copied from JavaScript into native tensors and back. */
  bytes_to_native: number;
  bytes_from_native: number;
  /**
   * Best per-row seconds of one forward pass (predict) and of one forward + backward (saliency),
   * measured at the end of the run or seen in its own calls (predictions, forward-only methods;
   * gradient methods, per forward pass), whichever is less; null where the model has no gradients.
   */
  forward_row_s: number | null;
  forward_backward_row_s: number | null;
  /** Best per-row seconds of each layer method's own calls (its limit's rate; null where not measured). */
  method_row_s: Record<string, number | null>;
  /** Seconds the passes would take at those rates, over the wall time. */
  limit_s: number | null;
  fraction_of_limit: number | null;
}

let active: Profile | null = null;

/** fn timed as `name` when a profile is running; fn alone otherwise. */
export function phase<T>(name: string, fn: () => Promise<T>): Promise<T> {
  return active ? active.time(name, fn) : fn();
}

export class Profile {
  private readonly phases = new Map<string, PhaseStat>();
  private readonly t0 = performance.now();
  private readonly cpu0 = process.cpuUsage();
  private readonly bytes0 = { ...transferred };
  /**
   * Best per-row seconds seen in the run's own calls, by kind: `forward` (predictions and
   * forward-only methods), `forward+backward` (every gradient method's calls, per forward pass)
   * and each layer method by name (its backward stops at its layer).
   */
  private readonly seen = new Map<string, number>();
  /**
   * The model's forward sessions open times seconds during each phase (Model.sessionSeconds), where
   * it can run several forward calls at once: a phase's share of the cores may then be more than one lane's.
   */
  private readonly sessionSpans = new Map<string, number>();
  private sessionClock: () => number | null = () => null;

  /** fn timed as phase `name`; `done` gets the seconds it took (the ones the phase counts) and its result. */
  async time<T>(name: string, fn: () => Promise<T>, done?: (seconds: number, result: T) => void): Promise<T> {
    const t = performance.now(), c = process.cpuUsage(), open = this.sessionClock();
    let seconds = 0;
    let result: T;
    try {
      result = await fn();
    } finally {
      const d = process.cpuUsage(c), p = this.stat(name), closed = this.sessionClock();
      seconds = (performance.now() - t) / 1000;
      p.wall_s += seconds; p.user_s += d.user / 1e6; p.system_s += d.system / 1e6; p.calls++;
      if (open !== null && closed !== null) this.sessionSpans.set(name, (this.sessionSpans.get(name) ?? 0) + closed - open);
    }
    done?.(seconds, result);
    return result;
  }

  /** A call of `rows` rows that took `seconds`: kept when it beats the best per-row time so far. */
  observe(kind: string, seconds: number, rows: number): void {
    if (rows > 0) this.seen.set(kind, Math.min(this.seen.get(kind) ?? Infinity, seconds / rows));
  }

  passes(name: string, forward: number, backward: number): void {
    const p = this.stat(name);
    p.forward_passes += forward; p.backward_passes += backward;
  }

  private stat(name: string): PhaseStat {
    let p = this.phases.get(name);
    if (!p) { p = { wall_s: 0, user_s: 0, system_s: 0, calls: 0, forward_passes: 0, backward_passes: 0 }; this.phases.set(name, p); }
    return p;
  }

  /**
   * The report, with the physical limit measured on `model` with a batch like `sample`'s, and
   * each of `layerMethods` (Grad-CAM: a backward that stops at its layer, cheaper than a full one)
   * at its own best per-row time. Methods in `lanes` ran side by side (each backend on its share
   * of the cores, as the row times were measured), so the limit takes the busiest lane's passes,
   * not their sum; where a lane borrows the others' cores once they are done, the lanes' passes
   * shared out evenly over all their cores, if that is more than each lane that does not borrow.
   */
  async report(model: Model, sample: AttributionInput | null, saliency: ConfiguredMethod | null, ctx: RunContext, lanes: Lane[] = [], layerMethods: ConfiguredMethod[] = []): Promise<ProfileReport> {
    const wall = (performance.now() - this.t0) / 1000, cpu = process.cpuUsage(this.cpu0);
    // The run's copies, before the limit's own calls make more.
    const bytes = { toNative: transferred.toNative - this.bytes0.toNative, fromNative: transferred.fromNative - this.bytes0.fromNative };
    // The best of the measurement at the end and the run's own calls: this machine's speed can
    // change during a run, and a limit measured in a slow moment would overstate the fraction.
    const rows = sample ? await rowTimes(model, sample, { forward: null, 'forward+backward': saliency, ...Object.fromEntries(layerMethods.map((m) => [m.method.name, m])) }, ctx) : {};
    const best = (kind: string) => (rows[kind] == null ? null : Math.min(rows[kind]!, this.seen.get(kind) ?? Infinity));
    const forward = best('forward'), forwardBackward = best('forward+backward');
    const own = new Map(layerMethods.map((m) => [m.method.name, best(m.method.name)]));
    const seconds = (name: string, p: PhaseStat) => (own.get(name) != null ? p.forward_passes * own.get(name)!
      : p.forward_passes * forward! + p.backward_passes * Math.max((forwardBackward ?? forward!) - forward!, 0));
    const backward = [...this.phases].some(([n, p]) => p.backward_passes > 0 && own.get(n) == null);
    const measured = forward !== null && (!backward || forwardBackward !== null);
    // A forward phase that had more than one session open for part of its time had that many
    // lanes' cores: its limit is its passes shared out over them.
    const sessions = (n: string, p: PhaseStat) => (p.backward_passes > 0 ? 1 : Math.max(1, (this.sessionSpans.get(n) ?? 0) / p.wall_s));
    const phases = Object.fromEntries([...this.phases].map(([n, p]) => {
      if (!measured || p.forward_passes + p.backward_passes === 0) return [n, { ...p }];
      const open = sessions(n, p), limit = seconds(n, p) / open;
      return [n, { ...p, ...(open > 1 ? { sessions: open } : {}), limit_s: limit, fraction_of_limit: limit / p.wall_s }];
    }));
    const side = lanes.length > 1 ? lanes : [];
    const inLane = new Set(side.flatMap((l) => l.methods));
    const outside = [...this.phases].filter(([n]) => !inLane.has(n)).reduce((a, [n, p]) => a + seconds(n, p), 0);
    const laneSeconds = side.map((l) => l.methods.reduce((a, n) => a + (this.phases.has(n) ? seconds(n, this.phases.get(n)!) : 0), 0));
    const bound = side.some((l) => l.borrows) ? laneSeconds.reduce((a, b) => a + b, 0) / side.length : 0;
    const busiest = Math.max(bound, ...laneSeconds.filter((_, i) => !side[i].borrows));
    const limit = measured ? outside + busiest : null;
    return {
      wall_s: wall, user_s: cpu.user / 1e6, system_s: cpu.system / 1e6, phases,
      bytes_to_native: bytes.toNative, bytes_from_native: bytes.fromNative,
      forward_row_s: forward, forward_backward_row_s: forwardBackward, method_row_s: Object.fromEntries(own),
      limit_s: limit, fraction_of_limit: limit === null ? null : limit / wall,
    };
  }

  /**
   * Runs `body` with this profile active, the model's predictions and every method's calls timed
   * and their passes counted (the methods and the model are wrapped, not changed).
   */
  static async around<T>(model: Model, methods: ConfiguredMethod[], body: (methods: ConfiguredMethod[]) => Promise<T>): Promise<{ result: T; profile: Profile }> {
    const profile = new Profile();
    profile.sessionClock = () => model.sessionSeconds?.() ?? null;
    const predict = model.predict;
    // A forward-only method predicts through the model too: its passes are the method's own cost.
    // Methods get the model with its own predict (an object over it, so instanceof and every
    // field still hold), the run's own predictions the timed one: both may run at once (the next
    // perturbations' predictions overlap attribution).
    const untimed = Object.create(model, { predict: { value: predict } }) as Model;
    model.predict = (data, shape, handOver) => profile.time('predict', () => predict.call(model, data, shape, handOver), (seconds) => {
      profile.observe('forward', seconds, shape[0]);
      profile.passes('predict', shape[0], 0);
    });
    const timed = methods.map((m): ConfiguredMethod => ({
      params: m.params,
      method: {
        ...m.method,
        run: (mm, input, params, ctx) => profile.time(m.method.name, () => m.method.run(mm === model ? untimed : mm, input, params, ctx), (seconds, r) => {
          // Every call measures a rate, so that no method's own calls beat its limit: a
          // forward-only method's that of a forward pass; a gradient method's that of a forward
          // and backward, per forward pass (counting extra forwards, IG's f(x0), as full pairs);
          // a layer method's its own (its backward stops at the layer).
          const kind = m.method.needs.includes('layer') ? m.method.name : r.cost.backwardPasses > 0 ? 'forward+backward' : 'forward';
          if (kind) profile.observe(kind, seconds, r.cost.forwardPasses);
          profile.passes(m.method.name, r.cost.forwardPasses, r.cost.backwardPasses);
        }),
      },
    }));
    active = profile;
    try {
      return { result: await body(timed), profile };
    } finally {
      active = null;
      model.predict = predict;
    }
  }
}

/** Rows of the limit's largest batch: about 2^24 pixel values, 8 to 4096 images. */
const LIMIT_VALUES = 2 ** 24;

/**
 * Best per-row times of predict (`forward: null`) and of each method named (null where it cannot
 * run): the best of three calls at each of two batch sizes, the largest (LIMIT_VALUES) and a
 * quarter of it, of the sample tiled. Small calls pay per-call costs (and, on the CPU, padding to
 * the fixed kernel batch) that the run's large calls do not; the largest can fall out of the
 * caches, and which size is fastest differs by backend.
 */
async function rowTimes(model: Model, sample: AttributionInput, kinds: Record<string, ConfiguredMethod | null>, ctx: RunContext): Promise<Record<string, number | null>> {
  const [n, c, h, w] = sample.shape, per = c * h * w;
  const most = Math.max(8, Math.min(4096, Math.floor(LIMIT_VALUES / per)));
  const tiled = (rows: number): AttributionInput => {
    const data = new Float32Array(rows * per);
    for (let i = 0; i < rows; i++) data.set(sample.data.subarray((i % n) * per, ((i % n) + 1) * per), i * per);
    return { data, shape: [rows, c, h, w], targets: Int32Array.from({ length: rows }, (_, i) => sample.targets[i % n]), seeds: Uint32Array.from({ length: rows }, (_, i) => i) };
  };
  const best = async (fn: (input: AttributionInput) => Promise<unknown>) => {
    let b = Infinity;
    for (const rows of new Set([Math.max(8, Math.floor(most / 4)), most])) {
      for (let i = 0; i < 3; i++) {
        const input = tiled(rows);
        const t = performance.now();
        await fn(input);
        b = Math.min(b, (performance.now() - t) / 1000 / rows);
      }
    }
    return b;
  };
  const out: Record<string, number | null> = {};
  for (const [kind, m] of Object.entries(kinds)) {
    // Each call's tile is its own and handed over: a pass, not a copy to onnxruntime's thread.
    out[kind] = kind === 'forward' ? await best((input) => model.predict(input.data, input.shape, true))
      : m ? await best((input) => m.method.run(model, input, m.params, ctx)).catch(() => null) : null;
  }
  return out;
}
