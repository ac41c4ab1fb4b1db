/**
 * Fault to traffic restored: episodes of the demo's real path — in-process
 * controller, local driver, traffic switch, monitor, journaled rollback — at 200
 * requests/s, v2 answering 50% of requests with 500, with one trigger in three
 * variants run interleaved: `errorRate above 0.1 for 1s minSamples 50` on the
 * builtin switch, and `evidence: sequential` on the builtin switch and on the
 * haproxy router. Each episode starts from a fresh state dir so cooldown and
 * retry limits never interfere.
 *
 * Figures, each from the fault's start (v2's first request): detection (the
 * trigger fired), switch flip (the rollback's shift-traffic step), traffic
 * restored as clients saw it (every later request answered 2xx by v1); and the
 * requests that failed per episode. Goals: median restored ≤ 500 ms, p95 ≤ 750 ms,
 * at most 60 failed requests per episode.
 *
 * Run alone: `node dist-bench/bench/fault-restore.js` (BENCH_EPISODES=5 for fewer).
 */
import { pathToFileURL } from 'node:url';
import { TWO_SECOND_WINDOW } from '../src/runtime/demo/demo-config.js';
import { runDemo, type DemoResult } from '../src/runtime/demo/run-demo.js';
import { findHaproxy } from '../src/proxy/haproxy/index.js';
import { printBenchTable, type BenchFigure } from './lib/bench-table.js';

export interface FaultRestoreOptions {
  /** default 20 (env BENCH_EPISODES) */
  episodes?: number;
  /** default 200 */
  ratePerSecond?: number;
}

const WINDOW_TRIGGER = {
  metric: 'errorRate',
  above: 0.1,
  for: '1s',
  minSamples: 50,
  severity: 'high',
  ...TWO_SECOND_WINDOW,
};
const SEQUENTIAL_TRIGGER = {
  metric: 'errorRate',
  above: 0.1,
  evidence: 'sequential',
  falseAlarm: 0.001,
  severity: 'high',
};

export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return (sorted[low] ?? NaN) + ((sorted[high] ?? NaN) - (sorted[low] ?? NaN)) * (position - low);
}

interface Variant {
  /** label in the table */
  name: string;
  trigger: Record<string, unknown>;
  router: 'builtin' | 'haproxy';
  /** detection floor of a window trigger; sequential evidence has none */
  floorMs: number | null;
}

const WINDOW_FLOOR = (rate: number): number => 1000 + (1000 * Number(WINDOW_TRIGGER.minSamples)) / rate;

async function episodesOf(variant: Variant, episodes: number, rate: number): Promise<DemoResult[]> {
  const results: DemoResult[] = [];
  for (let episode = 1; episode <= episodes; episode += 1) {
    const result = await runDemo({
      fault: 'error-rate',
      ratePerSecond: rate,
      triggers: [variant.trigger],
      router: variant.router,
      analysis: '4s',
      postRollbackWatch: '1s',
      settleMs: 500,
    });
    results.push(result);
    console.error(
      `${variant.name} episode ${String(episode).padStart(2)}/${episodes}: ${result.outcome}, detected ${result.detectedAfterMs} ms, flipped ${result.switchFlippedAfterMs} ms, restored ${result.trafficRestoredAfterMs} ms, ${result.failedAfterFault} failed of ${result.totalRequests}`,
    );
    if (episode === 1 && !result.ok) {
      // no point in more: without the monitor (or with a broken one) nothing rolls back
      throw new Error(`${variant.name}: the first episode ended ${result.outcome}, not rolled back`);
    }
    if (result.afterFlip.bad > 0)
      console.error(`  ${result.afterFlip.bad} bad after the flip, e.g. ${JSON.stringify(result.afterFlip.examples)}`);
  }
  return results;
}

/**
 * Figures of one variant. The goals are those of sequential evidence (median
 * restored ≤ 500 ms, p95 ≤ 750 ms, ≤ 60 failed requests per episode); the
 * `for: 1s` rows carry them too, so the table shows how far today's rule is.
 */
function figuresOf(variant: Variant, results: DemoResult[], episodes: number, rate: number): BenchFigure[] {
  const good = results.filter(
    (result) => result.ok && result.detectedAfterMs !== null && result.trafficRestoredAfterMs !== null,
  );
  const series = (pick: (result: DemoResult) => number | null): number[] =>
    good.map(pick).filter((value): value is number => value !== null);
  const detected = series((r) => r.detectedAfterMs);
  const restored = series((r) => r.trafficRestoredAfterMs);
  const failed = good.map((r) => r.failedAfterFault);
  const note = `${variant.name}: ${good.length}/${episodes} episodes rolled back as expected; ${rate} req/s, 50% of v2's answers 500; times from v2's first request`;
  const floor = variant.floorMs === null ? [] : [{ name: 'floor (minSamples ÷ rate + for)', value: variant.floorMs }];
  const figure = (name: string, values: number[], q: number, baselines: BenchFigure['baselines'], unit = 'ms') => ({
    bench: 'fault-restore',
    figure: `${variant.name}: ${name}`,
    value: values.length === 0 ? null : quantile(values, q),
    unit,
    baselines,
    note,
  });
  return [
    figure('detection, median', detected, 0.5, floor),
    figure('restored, median', restored, 0.5, [{ name: 'goal', value: 500, goal: 'at most' as const }, ...floor]),
    figure('restored, p95', restored, 0.95, [{ name: 'goal', value: 750, goal: 'at most' as const }, ...floor]),
    figure('failed requests/episode, median', failed, 0.5, [{ name: 'goal', value: 60, goal: 'at most' as const }], ''),
    figure('failed requests/episode, max', failed, 1, [], ''),
    {
      bench: 'fault-restore',
      figure: `${variant.name}: bad answers after the flip, all episodes`,
      value: good.reduce((sum, r) => sum + r.afterFlip.bad, 0),
      unit: '',
      baselines: [{ name: 'goal', value: 0, goal: 'at most' as const }],
      note,
    },
  ];
}

export async function faultRestoreBench(options: FaultRestoreOptions = {}): Promise<BenchFigure[]> {
  const episodes = options.episodes ?? Number(process.env.BENCH_EPISODES ?? 20);
  const rate = options.ratePerSecond ?? 200;
  const variants: Variant[] = [
    { name: 'for 1s, builtin', trigger: WINDOW_TRIGGER, router: 'builtin', floorMs: WINDOW_FLOOR(rate) },
    { name: 'sequential, builtin', trigger: SEQUENTIAL_TRIGGER, router: 'builtin', floorMs: null },
  ];
  if (findHaproxy() !== undefined)
    variants.push({ name: 'sequential, haproxy', trigger: SEQUENTIAL_TRIGGER, router: 'haproxy', floorMs: null });
  else console.error('fault-restore: haproxy is not installed (Debian package `haproxy`); skipping its rows');
  const runs = new Map<Variant, DemoResult[]>(variants.map((variant) => [variant, []]));
  // Interleaved: one episode of each variant in turn, so load from elsewhere hits all alike.
  for (let episode = 0; episode < episodes; episode += 1) {
    for (const variant of variants) runs.get(variant)?.push(...(await episodesOf(variant, 1, rate)));
  }
  return variants.flatMap((variant) => figuresOf(variant, runs.get(variant) ?? [], episodes, rate));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printBenchTable(await faultRestoreBench());
}
