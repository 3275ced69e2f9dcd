/** The report opens in headless Chromium, offline, with no console errors; a screenshot is kept. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, reference, repoRoot, skip, tempDir } from '../helpers.js';

const CHROMIUM = '/usr/bin/chromium';

test('report.html loads in Chromium with networking disabled and logs no console error', async () => {
  if (!existsSync(CHROMIUM)) return skip('report rendering check: Debian chromium is absent (apt-get install chromium)');
  const dir = tempDir('report');
  const run = join(dir, 'run.duckdb'), html = join(dir, 'report <&> "x".html');
  const s = await cli(['stability', '--model', reference.torchscript(), '--data', 'synthetic:12', '--methods', 'saliency,gradcam',
    '--perturbations', 'rotate:10,brightness:1.5', '--out', run, '--threads', '1']);
  assert.is(s.code, 0, s.stderr);
  const r = await cli(['report', run, '--out', html]);
  assert.is(r.code, 0, r.stderr);
  const text = readFileSync(html, 'utf8');
  assert.not.match(text, /<script|src="http|href="http|@import/);
  const shots = join(repoRoot(), 'test-output');
  mkdirSync(shots, { recursive: true });
  const shot = join(shots, 'report.png');
  const c = spawnSync(CHROMIUM, [
    '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', `--user-data-dir=${join(dir, 'profile')}`,
    // no network: every host name fails to resolve and every proxy connection is refused
    '--host-resolver-rules=MAP * ~NOTFOUND', '--proxy-server=127.0.0.1:9',
    '--enable-logging=stderr', '--v=0', '--window-size=1200,2000', `--screenshot=${shot}`, `file://${html}`,
  ], { encoding: 'utf8', timeout: 90_000 });
  assert.is(c.status, 0, c.stderr);
  const consoleLines = c.stderr.split('\n').filter((l) => /CONSOLE|Uncaught|ERR_/.test(l) && !/ERR_(NAME_NOT_RESOLVED|PROXY)/.test(l));
  assert.equal(consoleLines, [], 'console messages');
  assert.ok(existsSync(shot), 'screenshot saved');
  assert.ok(readFileSync(shot).length > 10_000, 'the screenshot shows a page');
});

test.run();
