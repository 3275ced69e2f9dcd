/** inOneArena: a process started without MALLOC_ARENA_MAX runs again with it, and ends as that run does. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, tempDir } from '../helpers.js';

const dir = tempDir('one-arena');
const script = join(dir, 'probe.mjs');
// Reports what it runs with, then exits with the code it is given, or waits to be stopped.
writeFileSync(script, `
const { inOneArena } = await import(${JSON.stringify(join(repoRoot(), 'dist', 'src', 'util', 'one-arena.js'))});
await inOneArena();
console.log(JSON.stringify({ arena: process.env.MALLOC_ARENA_MAX, pid: process.pid, ppid: process.ppid }));
if (process.argv[2] === 'wait') setInterval(() => {}, 1000); else process.exit(Number(process.argv[2]));
`);

function start(arg: string, env: Record<string, string | undefined> = {}) {
  const e = { ...process.env, ...env };
  delete e.MALLOC_ARENA_MAX;
  if (env.MALLOC_ARENA_MAX) e.MALLOC_ARENA_MAX = env.MALLOC_ARENA_MAX;
  const child = spawn(process.execPath, [script, arg], { env: e });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const report = new Promise<{ arena?: string; pid: number; ppid: number }>((resolve) => child.stdout.on('data', () => {
    if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]));
  }));
  return { child, report };
}

const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

test('without MALLOC_ARENA_MAX the command runs again with it, and exits with its code', async () => {
  const { child, report } = start('7');
  const r = await report;
  assert.is(r.arena, '1');
  assert.is(r.ppid, child.pid, 'run by the process started');
  const [code] = await once(child, 'exit');
  assert.is(code, 7);
});

test('a value the user set wins: no second process', async () => {
  const { child, report } = start('0', { MALLOC_ARENA_MAX: '2' });
  const r = await report;
  assert.is(r.arena, '2');
  assert.is(r.pid, child.pid);
  assert.is((await once(child, 'exit'))[0], 0);
});

test('a signal to the process started stops the run; the run stops by itself if that process is killed', async () => {
  const first = start('wait');
  const run = (await first.report).pid;
  first.child.kill('SIGTERM');
  const [, signal] = await once(first.child, 'exit');
  assert.is(signal, 'SIGTERM');
  for (let i = 0; i < 50 && alive(run); i++) await new Promise((r) => setTimeout(r, 50));
  assert.not.ok(alive(run), 'the run stopped with it');

  const second = start('wait');
  const orphan = (await second.report).pid;
  second.child.kill('SIGKILL');
  for (let i = 0; i < 60 && alive(orphan); i++) await new Promise((r) => setTimeout(r, 50));
  assert.not.ok(alive(orphan), 'the run noticed its parent was gone');
});

test.run();
