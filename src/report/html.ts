/**
 * `fass report`: one self-contained HTML file (inline SVG plots, PNG gallery as data URIs, no
 * script, no network) from a run file's summary. Every string from the run (paths, ids, names)
 * is escaped.
 */
import { writeFileSync, renameSync } from 'node:fs';
import type { RunFile } from '../store/run-file.js';
import type { Cell, Summary } from '../store/aggregate.js';
import { escapeXml as esc } from '../util/escape.js';
import { agreementPlot, rankingPlot, retentionPlot, sanityPlot, stabilityPlot, stabilityVsRandomisationPlot } from './plots.js';
import type { SanitySummary } from '../store/sanity-aggregate.js';
import type { MetricSummary } from '../store/score-aggregate.js';
import { scoresSection } from './scores.js';

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:1200px;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:right}
td:first-child,th:first-child,td.l,th.l{text-align:left}h2{margin-top:2em}.gallery img{image-rendering:pixelated;margin:4px;border:1px solid #ccc}
.note{color:#666}figure{margin:1em 0}`;

const num = (v: number | null | undefined, d = 3) => (v === null || v === undefined ? '–' : v.toFixed(d));

function cellRows(cells: Cell[]): string {
  return cells.map((c) => `<tr><td>${esc(c.method)}</td><td class="l">${esc(c.family)}</td><td class="l">${esc(c.perturbation)}</td>
<td>${num(c.metrics.fass.mean)}</td><td>${num(c.metrics.fass.ci_low)}–${num(c.metrics.fass.ci_high)}</td><td>${num(c.metrics.ssim.mean)}</td>
<td>${num(c.metrics.spearman.mean)}</td><td>${num(c.metrics.topk_jaccard.mean)}</td><td>${c.n_kept}</td><td>${num(c.retention, 2)}</td><td>${c.n_errors}</td></tr>`).join('\n');
}

function cellTable(cells: Cell[]): string {
  return `<table><tr><th>method</th><th class="l">family</th><th class="l">perturbation</th><th>FASS</th><th>95% CI</th><th>SSIM</th><th>Spearman</th><th>top-k Jaccard</th><th>n kept</th><th>retention</th><th>errors</th></tr>
${cellRows(cells)}</table>`;
}

async function gallery(run: RunFile): Promise<string> {
  const rows = await run.query('SELECT sample_id, perturbation, method, png FROM gallery ORDER BY perturbation, method, sample_index');
  if (!rows.length) return '<p class="note">No gallery in this run.</p>';
  const by = new Map<string, Record<string, unknown>[]>();
  for (const r of rows) (by.get(String(r.perturbation)) ?? by.set(String(r.perturbation), []).get(String(r.perturbation))!).push(r);
  return [...by.entries()].map(([p, rs]) => `<h3>${esc(p)}</h3><div class="gallery">${rs.map((r) => {
    const b64 = Buffer.from((r.png as { bytes: Uint8Array }).bytes ?? (r.png as Uint8Array)).toString('base64');
    const title = `${r.sample_id} · ${r.method} (image, perturbed, map, aligned perturbed map)`;
    return `<img src="data:image/png;base64,${b64}" alt="${esc(title)}" title="${esc(title)}">`;
  }).join('')}</div>`).join('\n');
}

function configTable(config: Record<string, unknown>): string {
  return `<table>${Object.entries(config).map(([k, v]) => `<tr><th class="l">${esc(k)}</th><td class="l">${esc(typeof v === 'string' ? v : JSON.stringify(v))}</td></tr>`).join('')}</table>`;
}

function write(path: string, config: Record<string, unknown>, body: string): void {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>fass report: ${esc(String(config.model ?? ''))}</title><style>${STYLE}</style></head><body>
${body}
</body></html>\n`;
  writeFileSync(path + '.partial', html);
  renameSync(path + '.partial', path);
}

/** The report of a `fass robustness` or `fass faithfulness` run. */
export async function writeScoresReport(run: RunFile, summary: MetricSummary, path: string): Promise<void> {
  const config = (await run.config()) ?? {};
  const section = await scoresSection(summary);
  const [head, ...rest] = section.split('\n');
  write(path, config, [head, configTable(config), ...rest].join('\n'));
}

/** A stability run's report; with a sanity run of the same model and methods, the Controls section adds their scatter. */
export async function writeReport(run: RunFile, summary: Summary, path: string, sanity?: SanitySummary): Promise<void> {
  const config = (await run.config()) ?? {};
  const [stability, retention, ranking, controls] = await Promise.all([stabilityPlot(summary), retentionPlot(summary), rankingPlot(summary), controlsSection(summary, sanity)]);
  write(path, config, `<h1>Attribution stability</h1>
${configTable(config)}
<p>${summary.errors.samples} sample error(s), ${summary.errors.pairs} pair error(s).</p>
<h2>Method ranking</h2><figure>${ranking}</figure>
<table><tr><th>rank</th><th class="l">method</th><th>mean FASS</th></tr>${summary.ranking.map((r) => `<tr><td>${r.rank}</td><td class="l">${esc(r.method)}</td><td>${num(r.fass)}</td></tr>`).join('')}</table>
${controls}
<h2>Stability against severity</h2><figure>${stability}</figure>
<h2>Retention against severity</h2><figure>${retention}</figure>
<table><tr><th class="l">perturbation</th><th class="l">family</th><th>kept</th><th>total</th><th>retention</th></tr>${summary.retention.map((r) => `<tr><td>${esc(r.perturbation)}</td><td class="l">${esc(r.family)}</td><td>${r.kept}</td><td>${r.total}</td><td>${num(r.retention, 3)}</td></tr>`).join('')}</table>
<h2>All cells</h2>${cellTable(summary.cells)}
${summary.filtered ? `<h2>With the prediction filter (run scored without it)</h2>${cellTable(summary.filtered.cells)}` : ''}
<h2>Gallery</h2>${await gallery(run)}`);
}

/**
 * Controls (runs with --controls chance): the raw and the chance-corrected rankings side by side,
 * and how far the methods' clean maps agree.
 */
async function controlsSection(s: Summary, sanity?: SanitySummary): Promise<string> {
  const controls = s.controls;
  if (!controls && !sanity) return '';
  const scatter = sanity ? `<h3>Stable, and for the right reason?</h3>
<p>Each method's mean FASS against the similarity of its maps once the model is randomised (Spearman of |map|, from the sanity run).
The good corner is bottom right: stable under perturbation, and changed when the model forgets what it learned.</p>
<figure>${await stabilityVsRandomisationPlot(s, sanity)}</figure>` : '';
  if (!controls) return `<h2>Controls</h2>${scatter}`;
  const corrected = new Map(controls.ranking.map((r) => [r.method, r]));
  const agreement = s.agreement?.length ? `<h3>Method agreement</h3>
<p>Spearman correlation of every two methods' clean maps, mean over samples (the table adds top-10% Jaccard and 95% CIs).
Two methods that are each stable but disagree cannot both be explaining the model.</p>
<figure>${await agreementPlot(s)}</figure>
<table><tr><th class="l">method a</th><th class="l">method b</th><th>Spearman</th><th>95% CI</th><th>top-k Jaccard</th><th>95% CI</th><th>n</th></tr>${s.agreement.map((a) => `<tr><td class="l">${esc(a.method_a)}</td><td class="l">${esc(a.method_b)}</td><td>${num(a.spearman.mean)}</td><td>${ci(a.spearman)}</td><td>${num(a.topk_jaccard.mean)}</td><td>${ci(a.topk_jaccard)}</td><td>${a.spearman.n}</td></tr>`).join('')}</table>` : '';
  return `<h2>Controls</h2>
<p>Chance: the similarity of a method's maps of two unrelated images (each sample against a seeded partner, under the same valid mask).
Above chance: (FASS - chance) / (1 - chance), per cell, then averaged over cells. ${controls.changed ? '<b>The order changes once chance is taken out.</b>' : 'The order holds once chance is taken out.'}</p>
<table><tr><th>rank</th><th class="l">method</th><th>mean FASS</th><th>chance</th><th>above chance</th><th>rank above chance</th></tr>${s.ranking.map((r) => `<tr><td>${r.rank}</td><td class="l">${esc(r.method)}</td><td>${num(r.fass)}</td><td>${num(controls.chance[r.method] ?? null)}</td><td>${num(corrected.get(r.method)?.fass ?? null)}</td><td>${corrected.get(r.method)?.rank ?? '-'}</td></tr>`).join('')}</table>
${scatter}
${agreement}`;
}

function ci(st: { ci_low: number | null; ci_high: number | null }): string {
  return st.ci_low === null ? '-' : `${num(st.ci_low)}..${num(st.ci_high)}`;
}

/** The report of a `fass sanity` run: the cascade's similarity curves and the table at each step. */
export async function writeSanityReport(run: RunFile, s: SanitySummary, path: string): Promise<void> {
  const config = (await run.config()) ?? {};
  const stepRows = s.methods.flatMap((m) => m.steps.map((st) => `<tr><td class="l">${esc(m.method)}</td><td>${st.step + 1}</td><td class="l">${esc(st.layer)}</td><td>${num(st.spearman_abs.mean)}</td><td>${ci(st.spearman_abs)}</td><td>${num(st.ssim.mean)}</td><td>${num(st.topk_jaccard.mean)}</td><td>${st.spearman_abs.n}</td></tr>`));
  write(path, config, `<h1>Model-parameter randomisation</h1>
${configTable(config)}
<p>The model's layers are re-initialised one by one from the output to the input (${s.layers.map(esc).join(' → ')}), and each method's
map of the randomised model is compared with its map of the trained one (Spearman of absolute values, SSIM, top-10% Jaccard; same class, same draws).
A map that stays alike while the model forgets what it learned does not explain the model (Adebayo et al. 2018).
${s.errors.samples} sample error(s), ${s.errors.rows} row error(s).</p>
<h2>At full randomisation (lower: the map depends more on the trained weights)</h2>
<table><tr><th>rank</th><th class="l">method</th><th>Spearman |map|</th><th>95% CI</th><th>SSIM</th><th>top-k Jaccard</th><th>errors</th></tr>${s.methods.map((m) => `<tr><td>${m.rank ?? '–'}</td><td class="l">${esc(m.method)}</td><td>${num(m.full?.spearman_abs.mean)}</td><td>${m.full ? ci(m.full.spearman_abs) : '–'}</td><td>${num(m.full?.ssim.mean)}</td><td>${num(m.full?.topk_jaccard.mean)}</td><td>${m.errors}</td></tr>`).join('')}</table>
<h2>Along the cascade</h2><figure>${await sanityPlot(s)}</figure>
<table><tr><th class="l">method</th><th>step</th><th class="l">randomised down to</th><th>Spearman |map|</th><th>95% CI</th><th>SSIM</th><th>top-k Jaccard</th><th>n</th></tr>${stepRows.join('')}</table>`);
}

