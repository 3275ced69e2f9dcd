/**
 * One malloc arena for every thread of a `fass` process. glibc gives threads arenas of their
 * own, which grow in heaps of at most 64 MB that are mapped and unmapped as they fill and empty,
 * so a gradient call's activations on such a thread page-fault in again call after call. The
 * engine sets M_ARENA_MAX to 1 when it loads, but threads that allocated before keep their
 * arenas, and threads started later are dealt out among every arena made by then: which thread a
 * call lands on decided whether a run took 0.4 or 2 million page faults. MALLOC_ARENA_MAX in the
 * environment at the start holds for every thread, so a command started without it runs itself
 * again with it (a value the user set wins).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';

/** Set in the process run again: its parent's pid, which it watches. */
const PARENT = 'FASS_ONE_ARENA_PARENT';

/**
 * Returns at once where the environment already says (or no glibc reads it); otherwise runs this
 * process's command again with MALLOC_ARENA_MAX=1 and exits as that run does.
 */
export async function inOneArena(): Promise<void> {
  if (process.platform !== 'linux' || process.env.MALLOC_ARENA_MAX !== undefined) return watchParent();
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit', env: { ...process.env, MALLOC_ARENA_MAX: '1', [PARENT]: String(process.pid) },
  });
  // This process waits for the run: signals sent to it are passed on (a terminal's Ctrl-C reaches
  // both), and the run stops as it would have, keeping what it has committed.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => child.kill(signal));
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  }
  process.exit(code ?? 1);
}

/** In the process run again: stops (as on SIGTERM) if its parent is gone, say killed with -9. */
function watchParent(): void {
  const parent = Number(process.env[PARENT]);
  if (!parent) return;
  setInterval(() => {
    if (process.ppid !== parent) process.kill(process.pid, 'SIGTERM');
  }, 1000).unref();
}
