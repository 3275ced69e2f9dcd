/**
 * `fass merge a.duckdb b.duckdb ... --out all.duckdb`: shards of one run (same configuration but
 * for `shard`) into one file. Overlapping shards are refused: a sample may be in one only.
 */
import { existsSync } from 'node:fs';
import { UserError } from '../errors.js';
import { RunFile, configDiff } from './run-file.js';
import { TABLES, type TableName } from './schema.js';

/** Merges, and says how many rows each non-empty table of the result holds. */
export async function merge(inputs: string[], out: string): Promise<{ samples: number; rows: Partial<Record<TableName, number>> }> {
  if (inputs.length < 1) throw new UserError('fass merge needs at least one run file');
  if (existsSync(out)) throw new UserError(`${out} exists; merge writes a new file`);
  const configs: Record<string, unknown>[] = [];
  for (const p of inputs) {
    if (!existsSync(p)) throw new UserError(`${p}: run file not found`);
    configs.push(await storedConfig(p));
  }
  const base = { ...configs[0] };
  delete base.shard;
  configs.forEach((c, i) => {
    const rest = { ...c };
    delete rest.shard;
    const diff = configDiff(base, rest);
    if (diff.length) throw new UserError(`${inputs[i]} is not a shard of the same run as ${inputs[0]}:\n  ${diff.join('\n  ')}`);
  });
  const target = await RunFile.open(out, { ...base, merged_from: inputs.length });
  try {
    for (const [i, p] of inputs.entries()) {
      await target.conn.run(`ATTACH '${p.replace(/'/g, "''")}' AS s${i} (READ_ONLY)`);
      await target.conn.run('BEGIN TRANSACTION');
      try {
        // Files written before a table existed simply lack it.
        const present = new Set((await target.query(`SELECT table_name FROM duckdb_tables() WHERE database_name = 's${i}'`)).map((r) => String(r.table_name)));
        for (const t of Object.keys(TABLES)) if (present.has(t)) await target.conn.run(`INSERT INTO ${t} SELECT * FROM s${i}.${t}`);
        await target.conn.run('COMMIT');
      } catch (e) {
        await target.conn.run('ROLLBACK');
        const msg = (e as Error).message;
        throw msg.includes('onstraint') ? new UserError(`${p} overlaps an earlier shard (a sample is in both): ${msg.split('\n')[0]}`) : e;
      }
      await target.conn.run(`DETACH s${i}`);
    }
    const count = async (t: string) => Number((await target.query(`SELECT count(*)::INT AS n FROM ${t}`))[0].n);
    const rows: Partial<Record<TableName, number>> = {};
    for (const t of Object.keys(TABLES) as TableName[]) if (t !== 'samples' && t !== 'done') { const n = await count(t); if (n) rows[t] = n; }
    return { samples: await count('samples'), rows };
  } finally {
    target.close();
  }
}

async function storedConfig(path: string): Promise<Record<string, unknown>> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
  const c = await db.connect();
  try {
    const rows = (await c.runAndReadAll("SELECT value FROM meta WHERE key = 'config'")).getRowObjects();
    if (!rows.length) throw new UserError(`${path} is not a fass run file (no configuration)`);
    return JSON.parse(String(rows[0].value)) as Record<string, unknown>;
  } catch (e) {
    throw e instanceof UserError ? e : new UserError(`${path} is not a fass run file (${(e as Error).message.split('\n')[0]})`);
  } finally {
    c.closeSync();
    db.closeSync();
  }
}
