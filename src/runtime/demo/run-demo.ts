/**
 * `rewind demo` as a use case: an in-process controller with the
 * bundled sample service, v1 deployed under steady load, then v2 with a fault,
 * and the automatic path left to do its job. Returns what happened, measured
 * from the fault's start. The bench runs episodes through the same function.
 */
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../config/load.js';
import type { RewindEvent, RollbackStatus } from '../../core/model.js';
import { usersAffected, type DemoResult } from './demo-result.js';
import { adminTokenPath } from '../../app/access/admin-token.js';
import { startController, type Controller } from '../controller.js';
import { controllerServices } from '../services.js';
import { downProject } from '../local/down.js';
import { logFilePath } from '../../drivers/local/run-file.js';
import {
  DEMO_ENVIRONMENT,
  DEMO_INSTANCES,
  DEMO_SERVICE,
  DEMO_USERS,
  writeDemoConfig,
  type DemoContainerTarget,
} from './demo-config.js';
import { DEFAULT_FAULT_AFTER_MS, faultPlan, type DemoFault } from './faults.js';
import { createThreadedLoadGenerator } from './threaded-load.js';
import { episodeFigures, faultStartAt, firstServedAt } from './measure.js';
import { createProgress } from './progress.js';
import { sleep, unlessAborted, waitFor, waitForRollback } from './wait.js';
import { startDemoReceivers } from './receivers.js';

export type { DemoResult } from './demo-result.js';

/** How long the demo waits for the outbox and the report writer after the outcome. */
const RECORD_WAIT_MS = 5_000;

export interface DemoOptions {
  fault: DemoFault;
  /** keep all state here; default a temporary directory, removed at the end */
  stateDir?: string;
  /** load in requests per second; default 150 */
  ratePerSecond?: number;
  /** the faulty process's time to its fault; default 3000 */
  faultAfterMs?: number;
  /** replaces the demo's triggers (the bench sets its own) */
  triggers?: Record<string, unknown>[];
  /** the front door: builtin (default) or haproxy */
  router?: 'builtin' | 'haproxy';
  /** how long each release is analysed; default 8s */
  analysis?: string;
  /** the post-rollback watch; default 3s */
  postRollbackWatch?: string;
  /** the steady-state pause after the outcome, in ms; default 1000 */
  settleMs?: number;
  /** live progress lines (stderr in the CLI); default none */
  progress?: (line: string) => void;
  /**
   * called with the outcome while the controller still runs; everything is
   * stopped once it resolves (`rewind demo --keep` waits for Ctrl-C here); default none
   */
  hold?: (result: DemoResult, controller: { url: string; tokenFile: string }) => Promise<void>;
  /** run the releases as containers on this engine, from these images; default local processes */
  container?: DemoContainerTarget;
  /** aborts the run (Ctrl-C); everything started is still stopped */
  signal?: AbortSignal;
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const startedAt = Date.now();
  const write = options.progress ?? (() => undefined);
  const plan = faultPlan(options.fault, options.faultAfterMs ?? DEFAULT_FAULT_AFTER_MS);
  // Variables already in the environment would win over the releases' env files.
  for (const key of ['FAULT', 'FAULT_AFTER_MS', 'FAULT_LATENCY_MS', 'FAULT_ERROR_RATE']) delete process.env[key];
  const keep = options.stateDir !== undefined;
  const workDir = keep ? path.resolve(options.stateDir as string) : mkdtempSync(path.join(os.tmpdir(), 'rewind-demo-'));
  const cleanups: (() => Promise<unknown> | unknown)[] = keep
    ? []
    : [() => rmSync(workDir, { recursive: true, force: true })];
  try {
    const receivers = await startDemoReceivers();
    cleanups.push(() => receivers.close());
    const written = await writeDemoConfig({
      workDir,
      plan,
      notifications: receivers,
      ...(options.triggers ? { triggers: options.triggers } : {}),
      ...(options.router ? { router: options.router } : {}),
      ...(options.analysis ? { analysis: options.analysis } : {}),
      ...(options.postRollbackWatch ? { postRollbackWatch: options.postRollbackWatch } : {}),
      ...(options.container ? { container: options.container } : {}),
    });
    const loaded = loadConfig(written.configFile);
    write(`rewind demo: fault ${plan.fault} — ${plan.description}; expected outcome: ${plan.expected}`);
    write(`state in ${written.stateDir}; service front door http://${written.frontDoor}/`);
    // the controller's own lines (leadership, shutdown) go to its log file, not into the story
    const controllerLog = path.join(written.stateDir, 'logs', 'controller.log');
    mkdirSync(path.dirname(controllerLog), { recursive: true });
    const controller: Controller = await startController(loaded, {
      listen: '127.0.0.1:0',
      drainTimeoutMs: 5_000,
      log: (line) => appendFileSync(controllerLog, `${new Date().toISOString()} ${line}\n`),
      ...controllerServices(loaded),
    });
    // runs last: the controller has let go of the front door, which outlives it by design
    cleanups.push(() => downProject(loaded.stateDir));
    cleanups.push(() => controller.close());
    cleanups.push(async () => {
      // the local driver leaves processes running when the controller stops (for adoption): the demo stops them
      const driver = controller.ctx.driver(DEMO_SERVICE) as { stopAll?: () => Promise<void> };
      await driver.stopAll?.();
    });
    const events: RewindEvent[] = [];
    const versions = new Map<number, string>();
    const load = createThreadedLoadGenerator({
      url: `http://${written.frontDoor}/`,
      ratePerSecond: options.ratePerSecond ?? 150,
      users: DEMO_USERS,
    });
    cleanups.push(() => load.stop());
    const progress = createProgress({
      api: controller.api,
      service: DEMO_SERVICE,
      environment: DEMO_ENVIRONMENT,
      load,
      write,
      versions,
      startedAt,
    });
    cleanups.push(() => progress.stop());
    cleanups.push(
      controller.ctx.onEvent((event) => {
        events.push(event);
        progress.onEvent(event);
      }),
    );
    const actor = { name: 'rewind-demo' };
    const target = { service: DEMO_SERVICE, environment: DEMO_ENVIRONMENT };

    // v1: traffic on it, then promoted after its analysis, under load from the start.
    const first = await unlessAborted(
      controller.api.deploy({ ...target, version: 'v1', force: true, watch: false, actor }),
      options.signal,
    );
    if (first.outcome === 'failed') throw new Error(`v1 did not start: ${first.reason ?? 'unknown reason'}`);
    load.start();
    await waitFor(
      'v1 to be promoted',
      () => events.some((e) => e.type === 'deploy.promoted' && e.revision === first.release.revision),
      30_000,
      options.signal,
    );

    // v2 carries the fault (see faults.ts for when each one starts); the monitor takes it from there.
    const second = await unlessAborted(
      controller.api.deploy({ ...target, version: 'v2', force: true, watch: true, actor }),
      options.signal,
    );
    let rollbackStatus: RollbackStatus | null = null;
    if (second.rollbackId) {
      progress.follow(second.rollbackId);
      rollbackStatus = await waitForRollback(controller.api, second.rollbackId, 30_000, options.signal);
    }
    // a second of steady state after the outcome, so the numbers show it held
    await sleep(options.settleMs ?? 1000, options.signal);
    const report = await load.stop();
    progress.stop();
    // the record of what happened: the outbox delivers and the incident
    // report is written in the background; wait a few seconds for both, no longer
    const reportPath = (): string | null => {
      const written = events.find((e) => e.type === 'report.written' && e.rollbackId === second.rollbackId);
      return written ? String(written.data.path) : null;
    };
    const delivered = (): boolean => {
      const counts = receivers.counts();
      const resolved = counts.pagerdutyEvents.some((e) => e.action === 'resolve');
      return (
        counts.slack > 0 && counts.webhook > 0 && (second.rollbackId === null || (resolved && reportPath() !== null))
      );
    };
    await waitFor('notifications and the incident report', delivered, RECORD_WAIT_MS, options.signal).catch(
      (error: unknown) => {
        if (options.signal?.aborted) throw error;
        write('notifications or the incident report were not all there in time; showing what arrived');
      },
    );

    const faultyRevision = second.release.revision;
    const faultClock = {
      instances: DEMO_INSTANCES,
      activatesAfterMs: plan.activatesAfterMs,
      samples: load.samples(),
      faultyRelease: 'v2',
    };
    // containers write no log files to date their start by: their fault begins with v2's first answer
    const faultStart =
      plan.fault === 'none'
        ? null
        : options.container
          ? firstServedAt(faultClock.samples, 'v2')
          : faultStartAt(faultClock, (index) =>
              logFilePath(written.stateDir, DEMO_SERVICE, DEMO_ENVIRONMENT, faultyRevision, index),
            );
    const figures = episodeFigures({
      samples: load.samples(),
      events,
      faultStartAt: faultStart,
      faultyRevision,
      goodRelease: 'v1',
    });
    const fired = events.find((e) => e.type === 'trigger.fired' && e.revision === faultyRevision);
    const outcome = second.outcome;
    const result: DemoResult = {
      outcome,
      expected: plan.expected,
      ok: outcome === plan.expected && (rollbackStatus === null || rollbackStatus === 'succeeded'),
      fault: plan.fault,
      detectedAfterMs: figures.detectedAfterMs,
      trafficRestoredAfterMs: figures.trafficRestoredAfterMs,
      switchFlippedAfterMs: figures.switchFlippedAfterMs,
      failedRequests: report.failed,
      failedAfterFault: figures.failedAfterFault,
      afterFlip: figures.afterFlip,
      totalRequests: report.total,
      skippedRequests: report.skipped,
      rollbackId: second.rollbackId,
      rollbackStatus,
      trigger: fired
        ? { name: String(fired.data.trigger), metric: String(fired.data.metric), value: fired.data.value }
        : null,
      faultStartedAt: faultStart,
      durationMs: Date.now() - startedAt,
      stateDir: keep ? written.stateDir : null,
      notifications: receivers.counts(),
      reportPath: reportPath(),
      usersAffected: usersAffected(events, second.rollbackId),
    };
    // `--keep`: the controller goes on serving the API and the dashboard with the demo's data
    await options.hold?.(result, { url: controller.url, tokenFile: adminTokenPath(written.stateDir) });
    return result;
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch {
        // keep unwinding: a failed cleanup must not leave processes behind
      }
    }
  }
}
