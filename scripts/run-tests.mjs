#!/usr/bin/env node
// Runs every compiled test file (dist/test/**/*.test.js) in its own process, so a native crash
// in one file is a counted failure rather than the end of the run, then prints the plain
// closing line CI reads: "N passed, N failed[, N skipped]". Exits 1 on any failure or when
// no test ran at all. Arguments filter files by substring: `npm run test:only -- data`.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const testDir = join(root, 'dist', 'test');
const filters = process.argv.slice(2);

function walk(dir) {
  let out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(walk(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

let files = [];
try { files = walk(testDir); } catch { /* no compiled tests: reported below */ }
if (filters.length) files = files.filter((f) => filters.some((s) => f.includes(s)));

let passed = 0, failed = 0, skipped = 0;
const broken = [];
for (const file of files) {
  const name = relative(root, file);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [file], {
    cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    maxBuffer: 64 * 1024 * 1024,
  });
  const out = (r.stdout ?? '') + (r.stderr ?? '');
  const total = Number(/Total:\s+(\d+)/.exec(out)?.[1] ?? NaN);
  const ok = Number(/Passed:\s+(\d+)/.exec(out)?.[1] ?? NaN);
  const skip = Number(/Skipped:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (Number.isNaN(total) || Number.isNaN(ok)) {
    // The file crashed before uvu could print its summary: one failure, with its output.
    failed += 1;
    broken.push(name);
    process.stdout.write(`FAIL ${name} (${secs}s): no test summary, exit ${r.status ?? r.signal}\n${out}\n`);
    continue;
  }
  const fail = total - ok - skip;
  passed += ok; failed += fail; skipped += skip;
  if (fail > 0 || r.status !== 0) {
    if (fail === 0) { failed += 1; }
    broken.push(name);
    process.stdout.write(`FAIL ${name} (${secs}s)\n${out}\n`);
  } else {
    process.stdout.write(`ok   ${name}: ${ok} passed${skip ? `, ${skip} skipped` : ''} (${secs}s)\n`);
    for (const line of out.split('\n')) if (line.startsWith('skip:')) process.stdout.write(`     ${line}\n`);
  }
}
if (broken.length) process.stdout.write(`\nfailing files: ${broken.join(', ')}\n`);
if (passed + failed === 0) process.stdout.write('no test ran\n');
process.stdout.write(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exit(failed > 0 || passed + failed === 0 ? 1 : 0);
