/**
 * Alert to traffic restored: the demo's real path (in-process controller, local
 * driver, builtin traffic switch, two instances per release) with an alert
 * mapping on the service. v1 then v2 are deployed and promoted, so v1 is the
 * warm previous release; under 200 requests/s an Alertmanager notification
 * (version 4, one firing alert, a `receiver` token) is posted to
 * `/v1/alerts/alertmanager`, and the clock starts when it is sent.
 *
 * Figures per episode, from the notification's sending: the switch flip (the
 * rollback's `rollback.traffic-restored` event), traffic restored as clients saw it
 * (every later request answered 2xx by v1), and the receiver's answer (it
 * answers once the rollback it started has ended). Goal: traffic restored
 * ≤ 100 ms for a warm previous release. Each episode has a fresh state dir.
 *
 * Run alone: `node dist-bench/bench/alert-restore.js` (BENCH_EPISODES=5 for fewer).
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse, stringify } from 'yaml';
import { loadConfig } from '../src/config/load.js';
import type { RewindEvent } from '../src/core/model.js';
import { startController } from '../src/runtime/controller.js';
import { DEMO_ENVIRONMENT, DEMO_SERVICE, writeDemoConfig } from '../src/runtime/demo/demo-config.js';
import { faultPlan } from '../src/runtime/demo/faults.js';
import { trafficRestoredAt } from '../src/runtime/demo/measure.js';
import { createThreadedLoadGenerator } from '../src/runtime/demo/threaded-load.js';
import { downProject } from '../src/runtime/local/down.js';
import { controllerServices } from '../src/runtime/services.js';
import { printBenchTable, type BenchFigure } from './lib/bench-table.js';

const RATE = 200;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Episode {
  flipMs: number | null;
  restoredMs: number | null;
  answerMs: number;
  /** the rollback started no process: its target was running (warm) */
  warm: boolean;
}

async function waitFor(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`alert-restore: timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function episode(): Promise<Episode> {
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'rewind-bench-alert-'));
  const cleanups: (() => Promise<unknown> | unknown)[] = [() => rmSync(workDir, { recursive: true, force: true })];
  try {
    // a trigger that never fires: only the alert may roll back
    const quiet = { metric: 'errorRate', above: 0.99, for: '30s', minSamples: 50, severity: 'high' };
    const written = await writeDemoConfig({
      workDir,
      plan: faultPlan('none'),
      analysis: '1s',
      postRollbackWatch: '0s',
      triggers: [quiet],
    });
    const config = parse(readFileSync(written.configFile, 'utf8')) as {
      services: Record<string, Record<string, unknown>>;
    };
    (config.services[DEMO_SERVICE] as Record<string, unknown>).alerts = [{ match: { alertname: 'WebErrors' } }];
    writeFileSync(written.configFile, stringify(config));
    const loaded = loadConfig(written.configFile);
    const log = path.join(written.stateDir, 'controller.log');
    const controller = await startController(loaded, {
      listen: '127.0.0.1:0',
      drainTimeoutMs: 5_000,
      log: (line) => appendFileSync(log, `${line}\n`),
      ...controllerServices(loaded),
    });
    cleanups.push(() => downProject(loaded.stateDir));
    cleanups.push(() => controller.close());
    cleanups.push(() => (controller.ctx.driver(DEMO_SERVICE) as { stopAll?: () => Promise<void> }).stopAll?.());
    const events: RewindEvent[] = [];
    cleanups.push(controller.ctx.onEvent((event) => events.push(event)));
    const admin = readFileSync(path.join(written.stateDir, 'admin.token'), 'utf8').trim();
    const created = await fetch(`${controller.url}/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'alertmanager', role: 'receiver' }),
    });
    const { token } = (await created.json()) as { token: string };
    const target = { service: DEMO_SERVICE, environment: DEMO_ENVIRONMENT, force: true, watch: false };
    const actor = { name: 'bench' };
    for (const version of ['v1', 'v2']) {
      const deployed = await controller.api.deploy({ ...target, version, actor });
      if (deployed.outcome === 'failed') throw new Error(`${version} did not start: ${deployed.reason ?? ''}`);
      const revision = deployed.release.revision;
      await waitFor(
        `${version} promoted`,
        () => events.some((e) => e.type === 'deploy.promoted' && e.revision === revision),
        30_000,
      );
    }
    const load = createThreadedLoadGenerator({ url: `http://${written.frontDoor}/`, ratePerSecond: RATE });
    cleanups.push(() => load.stop());
    load.start();
    await sleep(1000);
    const sentAt = Date.now();
    const answer = await fetch(`${controller.url}/v1/alerts/alertmanager`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        version: '4',
        status: 'firing',
        receiver: 'rewind',
        alerts: [
          {
            status: 'firing',
            labels: { alertname: 'WebErrors', service: DEMO_SERVICE, severity: 'critical' },
            annotations: { summary: 'error ratio above 0.1' },
            startsAt: new Date(sentAt - 500).toISOString(),
            fingerprint: 'bench-web-errors',
          },
        ],
      }),
    });
    const answerMs = Date.now() - sentAt;
    const receipt = (await answer.json()) as { alerts: { results: { action: string }[] }[] };
    if (receipt.alerts[0]?.results[0]?.action !== 'rolled-back')
      throw new Error(`alert-restore: the alert did not roll back: ${JSON.stringify(receipt)}`);
    await sleep(1000);
    await load.stop();
    await waitFor(
      'the rollback to end',
      () => events.some((e) => ['rollback.completed', 'rollback.failed', 'rollback.escalated'].includes(e.type)),
      30_000,
    );
    const flipped = events.find((e) => e.type === 'rollback.traffic-restored' && e.at >= sentAt);
    const restored = trafficRestoredAt(load.samples(), sentAt, 'v1');
    // warm: the plan had no `start` step (the planner saw v1 ready and healthy)
    const rollback = await controller.ctx.store.getRollback(flipped?.rollbackId ?? '');
    const steps = (rollback?.steps ?? []).map(
      (step) => `${step.name} ${(step.startedAt ?? 0) - sentAt}→${(step.finishedAt ?? 0) - sentAt}`,
    );
    console.error(
      `  created ${(rollback?.createdAt ?? 0) - sentAt} ms; steps (ms from the alert): ${steps.join(', ')}`,
    );
    return {
      flipMs: flipped ? flipped.at - sentAt : null,
      restoredMs: restored === null ? null : restored - sentAt,
      answerMs,
      warm: rollback !== null && !rollback.steps.some((step) => step.name === 'start'),
    };
  } finally {
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? null : ((sorted[(sorted.length - 1) >> 1] ?? 0) + (sorted[sorted.length >> 1] ?? 0)) / 2;
};
const p95 = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0
    ? null
    : (sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)] ?? null);
};

export async function alertRestoreBench(episodes = Number(process.env.BENCH_EPISODES ?? 10)): Promise<BenchFigure[]> {
  const runs: Episode[] = [];
  for (let i = 1; i <= episodes; i += 1) {
    const run = await episode();
    runs.push(run);
    console.error(
      `alert-restore ${i}/${episodes}: switch ${run.flipMs ?? 'n/a'} ms, clients ${run.restoredMs ?? 'n/a'} ms, answer ${run.answerMs} ms${run.warm ? '' : ' (cold)'}`,
    );
  }
  const got = (pick: (e: Episode) => number | null) => runs.map(pick).filter((v): v is number => v !== null);
  const goal = [{ name: 'goal', value: 0.1, goal: 'at most' as const }];
  const note = `${runs.length} episodes at ${RATE} req/s, warm previous in ${runs.filter((r) => r.warm).length}; from the Alertmanager notification's sending`;
  const figure = (name: string, value: number | null, withGoal: boolean): BenchFigure => ({
    bench: 'alert-restore',
    figure: name,
    value: value === null ? null : value / 1000,
    unit: 's',
    baselines: withGoal ? goal : [],
    note,
  });
  return [
    figure('alert → traffic restored, clients (median)', median(got((e) => e.restoredMs)), true),
    figure('alert → traffic restored, clients (p95)', p95(got((e) => e.restoredMs)), true),
    figure('alert → switch flipped (median)', median(got((e) => e.flipMs)), false),
    figure('alert → receiver answered (median)', median(got((e) => e.answerMs)), false),
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printBenchTable(await alertRestoreBench());
}
