/**
 * The container driver on a real engine (Debian's podman with runc, started by
 * test/harness/podman.ts; images imported from a local root filesystem, no pulls),
 * one container per release behind the builtin switch, `rewind serve` and the CLI
 * as an operator runs them. Four client loops keep asking the front door.
 *
 * Figures: deploy → serving, from running `rewind deploy web <v>` to the first
 * answer of the new release at the front door (digest resolved, container created
 * and started, probes passing, traffic shifted; the CLI's own start included); and
 * fault → traffic restored, from the first 500 a release answering 50% 500s sent a
 * client to the first answer after which every answer came from the previous
 * release. Rounds alternate a good release and the bad one.
 *
 * Run alone: `node dist-bench/bench/containers.js` after `npm run build` (root, podman, runc).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { freePort } from '../test/harness/free-port.js';
import { podmanAvailable, startPodman } from '../test/harness/podman.js';
import { loadFront } from '../test/containers/harness.js';
import { printBenchTable, type BenchFigure } from './lib/bench-table.js';
import { runRewind, startController } from './lib/controller-process.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const cli = async (cwd: string, ...args: string[]): Promise<number | null> => (await runRewind(cwd, args)).code;

const median = (values: number[]): number | null => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? (sorted[Math.floor((sorted.length - 1) / 2)] ?? null) : null;
};

function config(socket: string, controller: number, front: number): string {
  return `version: 1
controller: { stateDir: state, listen: "127.0.0.1:${controller}", evaluationInterval: 250ms }
environments: { production: {} }
policy: { cooldownPeriod: 0s }
services:
  web:
    driver:
      type: container
      engine: { socket: ${socket} }
      image: localhost/app:{version}
      command: ["/usr/bin/node", "/app/server.js", "--release", "{version}"]
      port: 8080
      listen: 127.0.0.1:${front}
      pull: never
      stopTimeout: 2s
    health: { live: /health/live, ready: /health/ready, interval: 250ms, timeout: 1s, failureThreshold: 3, readyTimeout: 30s }
    rollbackWindow: 10m
    analysis: { duration: 4s }
    postRollback: { watch: 1s }
    triggers:
      - { metric: errorRate, above: 0.1, for: 1s, minSamples: 20, severity: critical }
`;
}

export async function containersBench(): Promise<BenchFigure[]> {
  if (!podmanAvailable()) {
    console.error('bench containers: skipped — needs root, podman and runc');
    return [];
  }
  const podman = await startPodman();
  const dir = mkdtempSync(join(tmpdir(), 'rewind-bench-containers-'));
  const [controllerPort, front] = [await freePort(), await freePort()];
  writeFileSync(join(dir, 'rewind.yaml'), config(podman.socket, controllerPort, front));
  const controller = await startController({ config: join(dir, 'rewind.yaml'), cwd: dir, port: controllerPort });
  const deployMs: number[] = [];
  const restoredMs: number[] = [];
  try {
    for (let round = 0; round < ROUNDS; round += 1) {
      await podman.buildImage(`localhost/app:good${round}`);
      await podman.buildImage(`localhost/app:bad${round}`, { FAULT: 'error-rate', FAULT_ERROR_RATE: '0.5' });
    }
    for (let round = 0; round < ROUNDS; round += 1) {
      const load = loadFront(front);
      const good = `good${round}`;
      const started = Date.now();
      if ((await cli(dir, 'deploy', 'web', good, '--watch')) !== 0) throw new Error(`deploy ${good} failed`);
      await cli(dir, 'deploy', 'web', `bad${round}`, '--watch');
      await load.stop();
      const answers = load.answers;
      const first = answers.find((a) => a.answer === good && a.at >= started);
      if (first) deployMs.push(first.at - started);
      const fault = answers.find((a) => a.answer === `status 500 from bad${round}`);
      const lastBad = [...answers].reverse().find((a) => a.answer !== good);
      const restored = answers.find((a) => lastBad && a.at > lastBad.at && a.answer === good);
      if (fault && restored) restoredMs.push(restored.at - fault.at);
    }
  } finally {
    await controller.stop();
    await podman.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const note = `podman 4.3 + runc, one container per release, ${ROUNDS} rounds, medians; deploy → serving per round ${deployMs.join(', ')} ms, restored ${restoredMs.join(', ')} ms`;
  return [
    {
      bench: 'containers',
      figure: 'deploy command → new release serving (median)',
      value: median(deployMs),
      unit: 'ms',
      baselines: [],
      note,
    },
    {
      bench: 'containers',
      figure: 'fault (50% 500s) → traffic restored (median)',
      value: median(restoredMs),
      unit: 'ms',
      baselines: [],
      note,
    },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) printBenchTable(await containersBench());
