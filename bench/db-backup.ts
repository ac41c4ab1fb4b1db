/**
 * Backup + restore time: Rewind's PostgreSQL adapter beside raw
 * `pg_dump -Fd -j2` / `pg_restore -j2` in the same run, on a pgbench database at
 * scale 50 (5 million accounts) in a throwaway cluster (DESIGN.md "Measured, not
 * assumed"; goal: Rewind within 10% of raw). Rounds alternate which tool goes
 * first so cache warmth does not favour one side. `verify` is the verification
 * of a scheduled backup: Rewind's checksums + restore into a scratch database +
 * validation + drop, beside raw `createdb` + `pg_restore -j2` + `dropdb`;
 * `backup+verify` is what one scheduled slot costs (goal: ≤ 1.2× raw).
 *
 *   npx tsc -p tsconfig.json --outDir dist && node dist/bench/db-backup.js
 *   REWIND_BENCH_SCALE=10 REWIND_BENCH_ROUNDS=3 … to change the size
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createPostgresAdapter } from '../src/database/postgres/index.js';
import { createPgConnection } from '../src/database/postgres/connection.js';
import { findBinary, postgresBinDirs } from '../src/database/shared/binaries.js';
import { startPostgres } from '../test/harness/postgres.js';

export interface DbBenchRow {
  tool: 'rewind' | 'raw';
  phase: 'backup' | 'restore' | 'total' | 'verify' | 'backup+verify';
  medianMs: number;
  minMs: number;
  maxMs: number;
  rounds: number;
  /** median relative to raw, e.g. 1.04 = 4% slower */
  vsRaw: number;
  /**
   * median over rounds of (Rewind ÷ raw) within the same round: the two run
   * back to back, so load from other work on the machine mostly cancels out
   */
  pairedRatio: number;
}

function run(binary: string, args: string[], env: Record<string, string>): void {
  const result = spawnSync(binary, args, { env: { ...process.env, ...env }, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${binary} failed: ${result.stderr}`);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

export async function dbBench(options: { scale?: number; rounds?: number; jobs?: number } = {}): Promise<DbBenchRow[]> {
  const scale = options.scale ?? Number(process.env.REWIND_BENCH_SCALE ?? 50);
  const rounds = options.rounds ?? Number(process.env.REWIND_BENCH_ROUNDS ?? 2);
  const jobs = options.jobs ?? 2;
  const server = await startPostgres();
  if (!server) throw new Error('PostgreSQL binaries are missing: cannot run the backup benchmark');
  const work = mkdtempSync(join(tmpdir(), 'rewind-bench-db-'));
  try {
    const url = await server.createDatabase('bench');
    const conn = createPgConnection(url);
    const dirs = postgresBinDirs();
    const bin = (name: string): string => findBinary([name], dirs) ?? name;
    console.error(`pgbench -i -s ${scale} …`);
    run(bin('pgbench'), ['-i', '-q', '-s', String(scale)], conn.env);
    const adapter = createPostgresAdapter({ url, jobs });
    const times: Record<'rewind' | 'raw', { backup: number[]; restore: number[]; verify: number[] }> = {
      rewind: { backup: [], restore: [], verify: [] },
      raw: { backup: [], restore: [], verify: [] },
    };
    let n = 0;
    const rawRound = (): void => {
      const dir = join(work, `raw-${n++}`);
      let t = performance.now();
      run(bin('pg_dump'), ['-Fd', '-j', String(jobs), '-f', dir], conn.env);
      times.raw.backup.push(performance.now() - t);
      t = performance.now();
      const scratch = `raw_verify_${n}`;
      run(bin('psql'), ['-X', '-q', '-c', `CREATE DATABASE ${scratch}`], conn.env);
      run(bin('pg_restore'), ['--exit-on-error', '-j', String(jobs), '-d', scratch, dir], conn.env);
      run(bin('psql'), ['-X', '-q', '-c', `DROP DATABASE ${scratch}`], conn.env);
      times.raw.verify.push(performance.now() - t);
      t = performance.now();
      run(
        bin('pg_restore'),
        ['--clean', '--if-exists', '--exit-on-error', '-j', String(jobs), '-d', conn.database, dir],
        conn.env,
      );
      times.raw.restore.push(performance.now() - t);
      rmSync(dir, { recursive: true, force: true });
    };
    const rewindRound = async (): Promise<void> => {
      const dir = join(work, `rewind-${n++}`);
      let t = performance.now();
      const result = await adapter.backup({ kind: 'full', dir });
      times.rewind.backup.push(performance.now() - t);
      t = performance.now();
      const checks = [...(await adapter.verify(result.path, result.sha256))];
      checks.push(...(await adapter.restoreToScratch(result.path, {})).checks);
      if (!checks.every((c) => c.ok)) throw new Error(`verification failed: ${JSON.stringify(checks)}`);
      times.rewind.verify.push(performance.now() - t);
      t = performance.now();
      await adapter.restore(result.path, {});
      times.rewind.restore.push(performance.now() - t);
      rmSync(dir, { recursive: true, force: true });
    };
    for (let round = 0; round < rounds; round++) {
      console.error(`round ${round + 1}/${rounds}`);
      if (round % 2 === 0) {
        rawRound();
        await rewindRound();
      } else {
        await rewindRound();
        rawRound();
      }
    }
    const rows: DbBenchRow[] = [];
    for (const phase of ['backup', 'restore', 'total', 'verify', 'backup+verify'] as const) {
      const series = (tool: 'rewind' | 'raw'): number[] =>
        phase === 'total'
          ? times[tool].backup.map((b, i) => b + (times[tool].restore[i] as number))
          : phase === 'backup+verify'
            ? times[tool].backup.map((b, i) => b + (times[tool].verify[i] as number))
            : times[tool][phase];
      const raw = median(series('raw'));
      const paired = median(series('rewind').map((x, i) => x / (series('raw')[i] as number)));
      for (const tool of ['raw', 'rewind'] as const) {
        const xs = series(tool);
        rows.push({
          tool,
          phase,
          medianMs: median(xs),
          minMs: Math.min(...xs),
          maxMs: Math.max(...xs),
          rounds,
          vsRaw: median(xs) / raw,
          pairedRatio: tool === 'raw' ? 1 : paired,
        });
      }
    }
    return rows;
  } finally {
    rmSync(work, { recursive: true, force: true });
    await server.stop();
  }
}

export function printDbBench(rows: DbBenchRow[]): void {
  const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  const pct = (ratio: number): string => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)}%`;
  console.log('| phase | tool | median | min | max | median vs raw | paired (same round) vs raw |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const [rel, paired] = r.tool === 'raw' ? ['—', '—'] : [pct(r.vsRaw), pct(r.pairedRatio)];
    console.log(
      `| ${r.phase} | ${r.tool === 'raw' ? 'pg_dump/pg_restore -j2' : 'Rewind adapter'} | ${s(r.medianMs)} | ${s(r.minMs)} | ${s(r.maxMs)} | ${rel} | ${paired} |`,
    );
  }
  console.log(
    `(${rows[0]?.rounds ?? 0} rounds; Rewind's backup also counts rows exactly under the dump's snapshot and checksums every file; its restore re-checks the checksums first; ` +
      'its verify re-checks the checksums, reads the table of contents, restores into a scratch database and validates tables, row counts, foreign keys and indexes there)',
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  dbBench()
    .then(printDbBench)
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
