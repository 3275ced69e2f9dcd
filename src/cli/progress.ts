/**
 * Progress bars with ETA (cli-progress) on stderr, only when a person is watching: both stdout
 * and stderr are terminals and --quiet is off. A bar appears only once the work has run for a
 * second, so quick commands print nothing extra.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, total: number, info?: string): void;
  stop(): void;
}

const SILENT: Progress = { update() {}, stop() {} };

export function progress(label: string, quiet: boolean): Progress {
  if (quiet || !process.stdout.isTTY || !process.stderr.isTTY) return SILENT;
  const started = Date.now();
  let bar: cliProgress.SingleBar | undefined;
  return {
    update(done, total, info = '') {
      if (!bar) {
        if (Date.now() - started < 1000) return;
        bar = new cliProgress.SingleBar(
          { format: `${label.padEnd(10)} {bar} {percentage}% | {value}/{total} | ETA {eta_formatted} | {info}`, stream: process.stderr, hideCursor: true, etaBuffer: 50 },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, done, { info });
      }
      bar.setTotal(total);
      bar.update(Math.floor(done), { info });
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
