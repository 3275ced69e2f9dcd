/**
 * `fass report` for an OSR run file: the configuration, the neighbours (GAN acceptance against the
 * uniform-noise baseline) and the method table (OSR, normalised OSR, CIs, errors). Self-contained,
 * every string from the run escaped.
 */
import { renameSync, writeFileSync } from 'node:fs';
import type { RunFile } from '../store/run-file.js';
import type { OsrSummary } from '../store/osr-aggregate.js';
import type { Stat } from '../store/aggregate.js';
import { escapeXml as esc } from '../util/escape.js';

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:right}
td:first-child,th:first-child,td.l,th.l{text-align:left}h2{margin-top:2em}.note{color:#666}`;

const num = (v: number | null | undefined, d = 3) => (v === null || v === undefined ? '–' : v.toFixed(d));
const ci = (s: Stat) => (s.ci_low === null ? '–' : `${num(s.ci_low)}–${num(s.ci_high)}`);

export async function writeOsrReport(run: RunFile, s: OsrSummary, path: string): Promise<void> {
  const config = (await run.config()) ?? {};
  const osr = (config.osr ?? {}) as Record<string, unknown>;
  const im = s.images;
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>fass OSR report: ${esc(String(config.model ?? ''))}</title><style>${STYLE}</style></head><body>
<h1>Output-similarity robustness (OSR)</h1>
<table>${Object.entries(config).map(([k, v]) => `<tr><th class="l">${esc(k)}</th><td class="l">${esc(typeof v === 'string' ? v : JSON.stringify(v))}</td></tr>`).join('')}</table>
<p>${s.errors.samples} sample error(s), ${s.errors.rows} (sample, method) error row(s).</p>
<h2>Neighbours: GAN samples against uniform noise</h2>
<p class="note">Per image, ${esc(String(osr.ganSamples ?? ''))} GAN samples and as many noise neighbours x + U(−eps, eps) (eps ${osr.noiseEps === 'match' ? 'matched per image to the distance of its accepted GAN samples' : esc(String(osr.noiseEps ?? ''))}); S(x): same prediction and |Δ f_y| ≤ ${esc(String(osr.delta ?? ''))}. Means over ${im.n} images, 95% bootstrap CIs.</p>
<table><tr><th class="l">quantity</th><th>mean</th><th>95% CI</th></tr>
<tr><td>GAN acceptance rate (in S(x))</td><td>${num(im.acceptance_rate.mean)}</td><td>${ci(im.acceptance_rate)}</td></tr>
<tr><td>GAN samples with another prediction</td><td>${num(im.gan_changed.mean)}</td><td>${ci(im.gan_changed)}</td></tr>
<tr><td>noise neighbours with another prediction</td><td>${num(im.noise_changed.mean)}</td><td>${ci(im.noise_changed)}</td></tr>
<tr><td>noise neighbours outside S(x)</td><td>${num(im.noise_outside.mean)}</td><td>${ci(im.noise_outside)}</td></tr>
<tr><td>L2 distance from x, accepted GAN samples</td><td>${num(im.gan_distance.mean)}</td><td>${ci(im.gan_distance)}</td></tr>
<tr><td>L2 distance from x, noise neighbours</td><td>${num(im.noise_distance.mean)}</td><td>${ci(im.noise_distance)}</td></tr>
</table>
<p>${im.none_accepted} image(s) with no accepted GAN sample (their OSR rows are errors with that reason).</p>
<h2>OSR by method (lower is more robust)</h2>
<table><tr><th>rank</th><th class="l">method</th><th>OSR</th><th>95% CI</th><th>OSR / ||g(x)||</th><th>95% CI</th><th>n</th><th>errors</th></tr>
${s.methods.map((m) => `<tr><td>${m.rank}</td><td class="l">${esc(m.method)}</td><td>${num(m.osr.mean)}</td><td>${ci(m.osr)}</td><td>${num(m.osr_normalised.mean)}</td><td>${ci(m.osr_normalised)}</td><td>${m.n_kept}</td><td>${m.n_errors}</td></tr>`).join('\n')}
</table>
</body></html>\n`;
  writeFileSync(path + '.partial', html);
  renameSync(path + '.partial', path);
}
