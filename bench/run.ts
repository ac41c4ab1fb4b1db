/**
 * `npm run bench`: runs every bench module and prints ONE table, each of Rewind's
 * figures beside its baselines (DESIGN.md "Measured, not assumed"). Progress and skip lines go to stderr, the table to stdout.
 *
 *   npm run bench                      every module
 *   npm run bench -- proxy fault-restore   only these (names: proxy, db, fault-restore, controller-cost, controller-restart, failover, containers, alert-restore, outbox, users, process-faults, drill-auto, telemetry-snapshot)
 *
 * Modules that live on other branches (bench/db-backup.ts) are loaded by a dynamic
 * import, so a checkout without them still builds and runs the rest.
 */
import { alertRestoreBench } from './alert-restore.js';
import { controllerCostBench, controllerCostFigures } from './controller-cost.js';
import { controllerRestartBench, controllerRestartFigures } from './controller-restart.js';
import { failoverBench } from './failover.js';
import { containersBench } from './containers.js';
import { outboxBench } from './outbox.js';
import { processFaultsBench } from './process-faults.js';
import { drillAutoBench } from './drill-auto.js';
import { printBenchTable, type BenchFigure } from './lib/bench-table.js';
import { proxyFigures } from './lib/proxy-figures.js';
import { proxyBench } from './proxy.js';
import { telemetrySnapshotBench } from './telemetry-snapshot.js';
import { usersBench } from './users.js';

interface DbRow {
  tool: 'rewind' | 'raw';
  phase: 'backup' | 'restore' | 'total' | 'verify' | 'backup+verify';
  medianMs: number;
  rounds: number;
}
interface DbModule {
  dbBench(): Promise<DbRow[]>;
}
interface FaultRestoreModule {
  faultRestoreBench(): Promise<BenchFigure[]>;
}

/** Imports a bench module that may be absent; null (with a skip line) when it is. */
async function optionalModule<T>(name: string, file: string): Promise<T | null> {
  const specifier = `./${file}`; // a variable, so the compiler does not require the file
  try {
    return (await import(specifier)) as T;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' || !String((error as Error).message).includes(file)) throw error;
    console.error(`bench ${name}: skipped — bench/${file.replace(/\.js$/, '.ts')} is not in this checkout`);
    return null;
  }
}

function dbFigures(rows: DbRow[]): BenchFigure[] {
  return (['backup', 'restore', 'total', 'verify', 'backup+verify'] as const).flatMap((phase) => {
    const rewind = rows.find((row) => row.tool === 'rewind' && row.phase === phase);
    const raw = rows.find((row) => row.tool === 'raw' && row.phase === phase);
    if (!rewind) return [];
    return [
      {
        bench: 'db',
        figure: `PostgreSQL ${phase} (median)`,
        value: rewind.medianMs / 1000,
        unit: 's',
        baselines: raw ? [{ name: 'pg_dump/pg_restore -j2', value: raw.medianMs / 1000 }] : [],
        note: `pgbench database, ${rewind.rounds} rounds alternating which tool goes first`,
      },
    ];
  });
}

const modules: Record<string, () => Promise<BenchFigure[] | null>> = {
  proxy: async () => {
    const rows = await proxyBench({ durationSeconds: Number(process.env.BENCH_SECONDS ?? 5) });
    return rows.length === 0 ? null : proxyFigures(rows);
  },
  db: async () => {
    const db = await optionalModule<DbModule>('db', 'db-backup.js');
    return db ? dbFigures(await db.dbBench()) : null;
  },
  'fault-restore': async () => {
    const bench = await optionalModule<FaultRestoreModule>('fault-restore', 'fault-restore.js');
    return bench ? bench.faultRestoreBench() : null;
  },
  'controller-cost': async () => controllerCostFigures(await controllerCostBench()),
  'controller-restart': async () => controllerRestartFigures(await controllerRestartBench()),
  failover: async () => failoverBench(),
  containers: async () => containersBench(),
  'alert-restore': async () => alertRestoreBench(),
  outbox: async () => outboxBench(),
  'process-faults': async () => processFaultsBench(),
  'drill-auto': async () => drillAutoBench(),
  users: async () => usersBench(Number(process.env.BENCH_SECONDS ?? 3)),
  'telemetry-snapshot': async () => telemetrySnapshotBench(),
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in modules));
if (unknown.length > 0) {
  console.error(`unknown bench ${unknown.join(', ')}; expected some of: ${Object.keys(modules).join(', ')}`);
  process.exit(2);
}

const figures: BenchFigure[] = [];
const failed: string[] = [];
for (const [name, run] of Object.entries(modules)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  const started = Date.now();
  console.error(`bench ${name}: running…`);
  try {
    const result = await run();
    if (result) figures.push(...result);
    console.error(
      `bench ${name}: ${result ? 'done' : 'nothing measured'} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  } catch (error) {
    // One broken bench must not hide the others' figures; it is named and the exit code says so.
    failed.push(name);
    console.error(`bench ${name}: FAILED — ${error instanceof Error ? error.message : String(error)}`);
  }
}

console.log('');
printBenchTable(figures);
if (failed.length > 0) {
  console.log(`  failed: ${failed.join(', ')} (see stderr)`);
  process.exitCode = 1;
}
