/**
 * A drill on the automatic path, as an operator runs it: `rewind serve` from the
 * built CLI, the bundled sample app as a two-instance local service under
 * steady load, then `rewind drill production --fault error-rate`. The drill
 * deploys a copy of the live release with the fault; the service's own trigger
 * (`errorRate above 0.1 for 1s`) must catch it and the monitor roll it back,
 * the drill only measuring. Figures from the drill's own result: fault →
 * detection and fault → traffic restored. These goals lived in the drill's test
 * until timing left the tests: detection within 10 s, traffic restored within 15 s.
 *
 * Run alone: `node dist-bench/bench/drill-auto.js` after `npm run build`
 * (BENCH_EPISODES, default 3).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { freePort } from '../test/harness/free-port.js';
import { printBenchTable, type BenchFigure } from './lib/bench-table.js';
import { runRewind, startController } from './lib/controller-process.js';
import { recoveryFigures } from './lib/timing-figures.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SAMPLE_APP = join(ROOT, 'examples/demo/app/server.js');
const GOALS = { detected: 10_000, restored: 15_000 };

interface DrillEpisode {
  outcome: string;
  rollbackKind: string | null;
  detectedAfterMs: number | null;
  trafficRestoredAfterMs: number | null;
}

const cli = (cwd: string, ...args: string[]) => runRewind(cwd, args, true);

/** Keeps `clients` requests in flight against the front door until stopped. */
function steadyLoad(url: string, clients: number): () => Promise<void> {
  let running = true;
  const loop = async (): Promise<void> => {
    while (running) {
      await fetch(url)
        .then((answer) => answer.arrayBuffer())
        .catch(() => undefined);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const loops = Array.from({ length: clients }, loop);
  return async () => {
    running = false;
    await Promise.all(loops);
  };
}

async function episode(): Promise<DrillEpisode> {
  const dir = mkdtempSync(join(tmpdir(), 'rewind-bench-drill-'));
  const [controller, front] = [await freePort(), await freePort()];
  const config = join(dir, 'rewind.yaml');
  writeFileSync(
    config,
    `version: 1
controller: { stateDir: state, listen: "127.0.0.1:${controller}" }
environments: { production: {} }
services:
  web:
    driver: { type: local, command: ["node", "${SAMPLE_APP}", "--release", "{version}"], instances: 2, listen: "127.0.0.1:${front}", stopTimeout: 2s }
    health: { live: /health/live, ready: /health/ready, interval: 200ms, timeout: 500ms, failureThreshold: 3, readyTimeout: 6s }
    analysis: { duration: 0s }
    rollbackWindow: 2m
    postRollback: { watch: 1s }
    triggers:
      - { metric: errorRate, above: 0.1, for: 1s, window: 2s, minSamples: 10, severity: high }
`,
  );
  const serve = await startController({ config, cwd: dir, port: controller });
  try {
    if ((await cli(dir, 'deploy', 'web', 'v1')).code !== 0) throw new Error('deploy v1 failed');
    const stop = steadyLoad(`http://127.0.0.1:${front}/`, 3);
    const drill = await cli(dir, 'drill', 'production', '--fault', 'error-rate', '--timeout', '30s', '--json');
    await stop();
    if (drill.code !== 0) throw new Error(`rewind drill exited with ${String(drill.code)}: ${drill.stdout}`);
    return JSON.parse(drill.stdout) as DrillEpisode;
  } finally {
    await serve.stop();
    await cli(dir, 'down');
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function drillAutoBench(episodes = Number(process.env.BENCH_EPISODES ?? 3)): Promise<BenchFigure[]> {
  const results: DrillEpisode[] = [];
  for (let n = 1; n <= episodes; n += 1) {
    const result = await episode();
    results.push(result);
    console.error(
      `drill episode ${n}/${episodes}: ${result.outcome} (${String(result.rollbackKind)}), detected ${String(result.detectedAfterMs)} ms, restored ${String(result.trafficRestoredAfterMs)} ms`,
    );
  }
  const automatic = results.filter((r) => r.outcome === 'rolled-back' && r.rollbackKind === 'automatic');
  const note = `${automatic.length}/${results.length} drills rolled back by the monitor (kind automatic); times from the fault's start`;
  const series = (pick: (r: DrillEpisode) => number | null): number[] =>
    automatic.map(pick).filter((v): v is number => v !== null);
  const measured = { detected: series((r) => r.detectedAfterMs), restored: series((r) => r.trafficRestoredAfterMs) };
  return recoveryFigures('drill-auto', '', measured, GOALS, note);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printBenchTable(await drillAutoBench());
}
