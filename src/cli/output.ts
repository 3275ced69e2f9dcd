/**
 * Where a command's words go: with --json the result is JSON on stdout and human text goes to
 * stderr; without it human text goes to stdout.
 */
export class Output {
  constructor(readonly json: boolean) {}

  say(text: string): void {
    (this.json ? process.stderr : process.stdout).write(text.endsWith('\n') ? text : text + '\n');
  }

  result(value: unknown): void {
    if (this.json) process.stdout.write(JSON.stringify(value, jsonSafe, 2) + '\n');
  }
}

/** NaN and infinities are not JSON: write them as null. */
function jsonSafe(_key: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? null : v;
}

/** A fixed-width text table. */
export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  return cells.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')).join('\n');
}
