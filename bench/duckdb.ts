// DuckDB, the rival of the gates bench: the `duckdb` package from PyPI in a Python venv of the bench's own, in the
// cache the toolchain uses (never the repo), installed once the way the bootstrap installs moto.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheDir } from '../scripts/toolchain.mjs';

export const DUCKDB_VERSION = '2.0.0';

function run(cmd: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** The venv's Python with `duckdb==DUCKDB_VERSION` importable; installs it on first use. */
export async function duckdbPython(log: (line: string) => void): Promise<string> {
  const venv = join(cacheDir(), 'bench', `duckdb-${DUCKDB_VERSION}`);
  const python = join(venv, 'bin', 'python');
  const stamp = join(venv, '.crosswind-installed');
  if (existsSync(stamp)) return python;
  log(`installing duckdb==${DUCKDB_VERSION} from PyPI into ${venv}`);
  if (!existsSync(python)) {
    const r = await run('python3', ['-m', 'venv', venv]);
    if (r.code !== 0) throw new Error(`python3 -m venv failed (on Debian: apt-get install python3-venv):\n${r.output}`);
  }
  const r = await run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', `duckdb==${DUCKDB_VERSION}`]);
  if (r.code !== 0) throw new Error(`pip install duckdb failed:\n${r.output}`);
  await writeFile(stamp, `${DUCKDB_VERSION}\n`);
  return python;
}

/**
 * The Python program DuckDB answers the gates' question with: per value of one tag, `quantile_cont` of a duration
 * metric at each percentile and the share of non-zero values of a rate metric, on two threads, as JSON.
 * argv: file, duration metric, rate metric, tag, percentiles (comma-separated, 0-100).
 */
export const DUCKDB_PROGRAM = `
import sys, json, duckdb
file, duration, failed, tag, ps = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], [float(p) for p in sys.argv[5].split(',')]
con = duckdb.connect()
con.execute("SET threads TO 2")
con.execute("SET enable_progress_bar = false")
quantiles = ", ".join(f"quantile_cont(v, {p / 100!r}) FILTER (WHERE m = '{duration}')" for p in ps)
rows = con.execute(f"""
  SELECT g, {quantiles},
    avg(CASE WHEN v <> 0 THEN 1.0 ELSE 0.0 END) FILTER (WHERE m = '{failed}'),
    count(*) FILTER (WHERE m = '{duration}'), count(*) FILTER (WHERE m = '{failed}')
  FROM (
    SELECT metric AS m, data.value AS v, data.tags.{tag} AS g
    FROM read_ndjson('{file}', columns = {{'metric': 'VARCHAR', 'type': 'VARCHAR', 'data': 'STRUCT("value" DOUBLE, tags STRUCT({tag} VARCHAR))'}})
    WHERE type = 'Point' AND metric IN ('{duration}', '{failed}')
  ) GROUP BY g ORDER BY g
""").fetchall()
out = {}
for r in rows:
    out[r[0]] = {"percentiles": [repr(x) for x in r[1:1 + len(ps)]], "rate": repr(r[1 + len(ps)]), "durations": r[2 + len(ps)], "rates": r[3 + len(ps)]}
print(json.dumps(out))
`;
