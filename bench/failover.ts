/**
 * Failover when the leader dies: ten episodes of two `rewind serve` processes on
 * one PostgreSQL store, SIGKILL of the leader 1 s into a 3 s rollback step (see
 * lib/failover-episode.ts). Figures from the kill: the follower's takeover (its
 * `rollback.resumed` event), its first journal write, and the rollback's end.
 * Goals: takeover ≤ 1 s, rollback finished ≤ 5 s (1 s takeover, the 3 s step again).
 *
 * Run alone: `node dist-bench/bench/failover.js` (BENCH_EPISODES=3 for fewer).
 */
import { pathToFileURL } from 'node:url';
import { startPostgres } from '../test/harness/postgres.js';
import { printBenchTable, type BenchFigure } from './lib/bench-table.js';
import { failoverEpisode, type FailoverEpisode } from './lib/failover-episode.js';

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

export async function failoverBench(episodes = Number(process.env.BENCH_EPISODES ?? 10)): Promise<BenchFigure[]> {
  const postgres = await startPostgres();
  if (!postgres) throw new Error('PostgreSQL binaries are missing: cannot run the failover bench');
  const runs: FailoverEpisode[] = [];
  try {
    for (let i = 0; i < episodes; i++) {
      const run = await failoverEpisode(await postgres.createDatabase(`failover_${i}`));
      console.error(
        `failover ${i + 1}/${episodes}: takeover ${run.takeoverMs} ms, first journal write ${run.firstJournalMs} ms, ` +
          `rollback ${run.status} ${run.finishedMs} ms${run.overlapped ? ' — OVERLAPPED' : ''}` +
          `${run.skipped.length > 0 ? ` — steps not succeeded: ${run.skipped.join(', ')}` : ''}`,
      );
      runs.push(run);
    }
  } finally {
    await postgres.stop();
  }
  const note = `${runs.length} SIGKILLs of the leader 1 s into a 3 s step; ${runs.filter((r) => r.overlapped).length} overlapping re-runs; ${runs.filter((r) => r.skipped.length > 0).length} with a step not succeeded; ${runs.filter((r) => r.status !== 'succeeded').length} not succeeded`;
  const row = (figure: string, values: number[], goal: number): BenchFigure[] => [
    {
      bench: 'failover',
      figure: `${figure} (median)`,
      value: median(values) / 1000,
      unit: 's',
      baselines: [{ name: 'goal', value: goal, goal: 'at most' }],
      note,
    },
    {
      bench: 'failover',
      figure: `${figure} (max)`,
      value: Math.max(...values) / 1000,
      unit: 's',
      baselines: [{ name: 'goal', value: goal, goal: 'at most' }],
    },
  ];
  return [
    ...row(
      'kill → follower takes over',
      runs.map((r) => r.takeoverMs),
      1,
    ),
    ...row(
      'kill → first journal write',
      runs.map((r) => r.firstJournalMs),
      1,
    ),
    ...row(
      'kill → rollback finished',
      runs.map((r) => r.finishedMs),
      5,
    ),
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) printBenchTable(await failoverBench());
