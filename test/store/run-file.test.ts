/** The run file: config refusal, atomic batches, and survival of kill -9 at any moment. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { UserError } from '../../src/errors.js';
import { RunFile } from '../../src/store/run-file.js';
import { tempDir, throwsWith } from '../helpers.js';

const dir = tempDir('store');

test('a different configuration is refused, naming what differs', async () => {
  const p = join(dir, 'a.duckdb');
  const f = await RunFile.open(p, { model: 'm.pt', n: 10, seed: 0 });
  f.close();
  const g = await RunFile.open(p, { model: 'm.pt', n: 10, seed: 0 });
  g.close();
  await throwsWith(RunFile.open(p, { model: 'm.pt', n: 20, seed: 0 }), UserError, 'another configuration', 'n: the file has 10, this command 20');
});

test('kill -9 while appending: every done sample has all its rows, nothing else is there', async () => {
  const p = join(dir, 'kill.duckdb');
  for (let round = 0; round < 3; round++) {
    const child = spawn(process.execPath, [join(import.meta.dirname, 'writer-child.js'), p], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout.on('data', (d) => { if (String(d).includes('ready')) resolve(); }));
    await new Promise((r) => setTimeout(r, 50 + round * 37));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    const f = await RunFile.open(p, { test: 'kill' });
    const [{ n: pairs }] = await f.query('SELECT count(*)::INT AS n FROM pairs');
    const [{ n: done }] = await f.query('SELECT count(*)::INT AS n FROM done');
    const [{ n: samples }] = await f.query('SELECT count(*)::INT AS n FROM samples');
    const [{ n: orphans }] = await f.query('SELECT count(*)::INT AS n FROM pairs WHERE sample_index NOT IN (SELECT sample_index FROM done)');
    const [{ n: dup }] = await f.query('SELECT count(*)::INT AS n FROM (SELECT sample_index, perturbation, method FROM pairs GROUP BY ALL HAVING count(*) > 1)');
    f.close();
    assert.ok(Number(done) >= 16, `round ${round}: ${done} samples done`);
    assert.is(Number(pairs), 3 * Number(done), `round ${round}: ${pairs} pair rows for ${done} done samples`);
    assert.is(Number(samples), Number(done));
    assert.is(Number(orphans), 0);
    assert.is(Number(dup), 0);
  }
});

test.run();
