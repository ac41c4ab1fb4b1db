/**
 * Fault to traffic restored (issue 3 "Benchmarks"): 20 episodes of the demo's
 * real path — in-process controller, local driver, traffic switch, monitor,
 * journaled rollback — at 200 requests/s, v2 answering 50% of requests with 500,
 * one trigger `errorRate above 0.1 for 1s minSamples 50`. Each episode starts
 * from a fresh state dir so cooldown and retry limits never interfere.
 *
 * Figures, each from the fault's start (v2's first request): detection (the
 * trigger fired), switch flip (the rollback's shift-traffic step), traffic
 * restored as clients saw it (every later request answered 2xx by v1); and the
 * requests that failed per episode. Goal: median restore ≤ 1 s.
 *
 * Run alone: `node dist-bench/bench/fault-restore.js` (BENCH_EPISODES=5 for fewer).
 */
import { pathToFileURL } from 'node:url';
import { TWO_SECOND_WINDOW } from '../src/app/demo/demo-config.js';
import { runDemo, type DemoResult } from '../src/app/demo/run-demo.js';
import { printBenchTable, type BenchFigure } from './lib/bench-table.js';

export interface FaultRestoreOptions {
  /** default 20 (env BENCH_EPISODES) */
  episodes?: number;
  /** default 200 */
  ratePerSecond?: number;
}

const TRIGGER = { metric: 'errorRate', above: 0.1, for: '1s', minSamples: 50, severity: 'high', ...TWO_SECOND_WINDOW };

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return (sorted[low] ?? NaN) + ((sorted[high] ?? NaN) - (sorted[low] ?? NaN)) * (position - low);
}

export async function faultRestoreBench(options: FaultRestoreOptions = {}): Promise<BenchFigure[]> {
  const episodes = options.episodes ?? Number(process.env.BENCH_EPISODES ?? 20);
  const rate = options.ratePerSecond ?? 200;
  const results: DemoResult[] = [];
  for (let episode = 1; episode <= episodes; episode += 1) {
    const result = await runDemo({
      fault: 'error-rate',
      ratePerSecond: rate,
      triggers: [TRIGGER],
      analysis: '4s',
      postRollbackWatch: '1s',
      settleMs: 500,
    });
    results.push(result);
    console.error(
      `episode ${String(episode).padStart(2)}/${episodes}: ${result.outcome}, detected ${result.detectedAfterMs} ms, flipped ${result.switchFlippedAfterMs} ms, restored ${result.trafficRestoredAfterMs} ms, ${result.failedAfterFault} failed of ${result.totalRequests}`,
    );
    if (episode === 1 && !result.ok) {
      // no point in 19 more: without the monitor (or with a broken one) nothing rolls back
      throw new Error(
        `the first episode ended ${result.outcome}, not rolled back; is the monitor (src/app/monitor) in this build?`,
      );
    }
    if (result.afterFlip.bad > 0)
      console.error(`  ${result.afterFlip.bad} bad after the flip, e.g. ${JSON.stringify(result.afterFlip.examples)}`);
  }
  const good = results.filter(
    (result) => result.ok && result.detectedAfterMs !== null && result.trafficRestoredAfterMs !== null,
  );
  const series = (pick: (result: DemoResult) => number | null): number[] =>
    good.map(pick).filter((value): value is number => value !== null);
  const detected = series((r) => r.detectedAfterMs);
  const flipped = series((r) => r.switchFlippedAfterMs);
  const restored = series((r) => r.trafficRestoredAfterMs);
  const afterTrigger = good.map((r) => (r.trafficRestoredAfterMs as number) - (r.detectedAfterMs as number));
  const failed = good.map((r) => r.failedAfterFault);
  const note = `${good.length}/${episodes} episodes rolled back as expected; ${rate} req/s, 50% of v2's answers 500, errorRate > 0.1 for 1s minSamples 50${TWO_SECOND_WINDOW.window ? ' (2 s reading window)' : ''}; times from v2's first request`;
  // The trigger fires no sooner than minSamples requests (to start a breach) plus the
  // 1 s `for` span: that floor bounds detection, and so restore, from below; at the
  // floor about rate × 50% × floor requests fail before the flip.
  const floor = 1000 + (1000 * TRIGGER.minSamples) / rate;
  const floorMs = [{ name: 'floor (minSamples ÷ rate + for)', value: floor }];
  const figure = (
    name: string,
    values: number[],
    q: number,
    baselines: BenchFigure['baselines'],
    unit = 'ms',
  ): BenchFigure => ({
    bench: 'fault-restore',
    figure: name,
    value: values.length === 0 ? null : quantile(values, q),
    unit,
    baselines,
    note,
  });
  return [
    figure('detection, median', detected, 0.5, floorMs),
    figure('detection, p95', detected, 0.95, floorMs),
    figure('switch flipped, median', flipped, 0.5, floorMs),
    figure('restored, median', restored, 0.5, [{ name: 'goal', value: 1000, goal: 'at most' }, ...floorMs]),
    figure('restored, p95', restored, 0.95, [{ name: 'goal', value: 1000, goal: 'at most' }, ...floorMs]),
    figure('trigger → restored, median', afterTrigger, 0.5, [{ name: 'goal', value: 1000, goal: 'at most' }]),
    figure(
      'failed requests/episode, median',
      failed,
      0.5,
      [{ name: 'at the floor (rate × 50% × floor)', value: Math.round((rate * 0.5 * floor) / 1000) }],
      '',
    ),
    figure(
      'failed requests/episode, max',
      failed,
      1,
      [{ name: 'at the floor (rate × 50% × floor)', value: Math.round((rate * 0.5 * floor) / 1000) }],
      '',
    ),
    // issue 3: no request dropped by the switch itself — none may go astray once it flipped
    {
      bench: 'fault-restore',
      figure: 'bad answers after the flip, all episodes',
      value: good.reduce((sum, r) => sum + r.afterFlip.bad, 0),
      unit: '',
      baselines: [{ name: 'goal', value: 0, goal: 'at most' }],
      note,
    },
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printBenchTable(await faultRestoreBench());
}
