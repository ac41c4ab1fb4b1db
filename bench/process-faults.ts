/**
 * Process faults to traffic restored: the demo's real path (in-process controller,
 * local driver, builtin switch, the demo's own triggers) with v2's instances that
 * crash, or that fail their live and ready checks, 3 s after they start. These
 * goals lived in the demo's tests until timing left the tests: detection within
 * 4 s and traffic restored within 5 s of the fault's start.
 *
 * Run alone: `node dist-bench/bench/process-faults.js` (BENCH_EPISODES, default 5).
 */
import { pathToFileURL } from 'node:url';
import { runDemo, type DemoResult } from '../src/runtime/demo/run-demo.js';
import { printBenchTable, type BenchFigure } from './lib/bench-table.js';
import { recoveryFigures } from './lib/timing-figures.js';

const FAULTS = ['crash', 'unhealthy'] as const;
const GOALS = { detected: 4000, restored: 5000 };

function figuresOf(fault: string, results: DemoResult[]): BenchFigure[] {
  const good = results.filter((result) => result.ok);
  const note = `${fault}: ${good.length}/${results.length} episodes rolled back as expected; times from the fault's start`;
  const series = (pick: (result: DemoResult) => number | null): number[] =>
    good.map(pick).filter((value): value is number => value !== null);
  const measured = { detected: series((r) => r.detectedAfterMs), restored: series((r) => r.trafficRestoredAfterMs) };
  return recoveryFigures('process-faults', `${fault}: `, measured, GOALS, note);
}

export async function processFaultsBench(episodes = Number(process.env.BENCH_EPISODES ?? 5)): Promise<BenchFigure[]> {
  const figures: BenchFigure[] = [];
  for (const fault of FAULTS) {
    const results: DemoResult[] = [];
    for (let episode = 1; episode <= episodes; episode += 1) {
      const result = await runDemo({ fault, settleMs: 500 });
      results.push(result);
      console.error(
        `${fault} episode ${episode}/${episodes}: ${result.outcome}, detected ${result.detectedAfterMs} ms, restored ${result.trafficRestoredAfterMs} ms`,
      );
    }
    figures.push(...figuresOf(fault, results));
  }
  return figures;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printBenchTable(await processFaultsBench());
}
