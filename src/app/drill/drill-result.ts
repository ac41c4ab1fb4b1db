import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage } from '../../core/errors.js';
import type { Rollback } from '../../core/model.js';
import { buildIncidentReport, measureRecoveryTimes, type TargetCheck } from '../../report/index.js';
import type { AppContext } from '../context.js';
import { incidentEvents } from '../record/incident.js';
import { targetsFor } from '../record/targets.js';
import { renderDrillMarkdown } from './drill-markdown.js';
import type { DrillFault } from './fault-injection.js';

/** A drill's result (`rewind drill --json`, the `drill.finished` data); field names are a contract. */
export interface DrillResult {
  drillId: string;
  service: string;
  environment: string;
  /** the injected fault, or `image <version>` when a misbehaving version was deployed */
  fault: DrillFault | `image ${string}`;
  /**
   * rolled-back: the automatic path (or a human) rolled the copy back; not-detected: the drill had to;
   * no-effect: the copy served requests and never misbehaved (the fault did not take effect), so the
   * drill rolled it back early and `error` says what was seen; escalated: the rollback stopped; failed: the copy never ran
   */
  outcome: 'rolled-back' | 'not-detected' | 'no-effect' | 'escalated' | 'failed';
  /** the faulty copy's revision */
  revision: number | null;
  rollbackId: string | null;
  rollbackKind: Rollback['kind'] | null;
  startedAt: number;
  finishedAt: number;
  /** when users could first meet the fault: the copy had traffic and the fault was on */
  faultAt: number | null;
  /** fault → first trigger fired; null when nothing detected it */
  detectedAfterMs: number | null;
  /** fault → traffic back on the good release */
  trafficRestoredAfterMs: number | null;
  /** fault → rollback completed (stable) */
  totalMs: number | null;
  targets: TargetCheck[];
  /** names of the missed targets; the CLI exits 1 when there is one */
  targetsMissed: string[];
  reportPath: string | null;
  error: string | null;
}

export interface DrillEnd {
  drillId: string;
  service: string;
  environment: string;
  /** the injected fault, or `image <version>` when a misbehaving version was deployed */
  fault: DrillFault | `image ${string}`;
  startedAt: number;
  faultAt: number | null;
  revision: number | null;
  rollback: Rollback | null;
  outcome: DrillResult['outcome'];
  error: string | null;
  actor: string;
}

/** Measures the drill, writes `<stateDir>/drills/<date>-<env>-<service>-<id>.md` (and .json), emits `drill.finished`. */
export async function finishDrill(ctx: AppContext, end: DrillEnd): Promise<DrillResult> {
  const { faultAt, rollback } = end;
  let targets: TargetCheck[] = [];
  let detectedAfterMs: number | null = null;
  let trafficRestoredAfterMs: number | null = null;
  let totalMs: number | null = null;
  if (rollback) {
    const events = await incidentEvents(ctx, rollback.id);
    const detail = await ctx.store.getRollback(rollback.id);
    const envTargets = targetsFor(ctx.loaded.config, end.environment);
    if (detail)
      targets = buildIncidentReport({ rollback: detail, events, ...(envTargets ? { targets: envTargets } : {}) })
        .recovery.checks;
    const times = measureRecoveryTimes(events);
    const detected = events.find((e) => e.type === 'trigger.fired' && e.at >= end.startedAt);
    const after = (at: number | null | undefined): number | null =>
      faultAt === null || at === null || at === undefined ? null : Math.max(0, at - faultAt);
    detectedAfterMs = after(detected?.at);
    trafficRestoredAfterMs = after(times.trafficRestoredAt);
    totalMs = after(times.stableAt);
  }
  const targetsMissed = targets.filter((t) => t.result === 'miss').map((t) => t.target);
  const result: DrillResult = {
    drillId: end.drillId,
    service: end.service,
    environment: end.environment,
    fault: end.fault,
    outcome: end.outcome,
    revision: end.revision,
    rollbackId: rollback?.id ?? null,
    rollbackKind: rollback?.kind ?? null,
    startedAt: end.startedAt,
    finishedAt: ctx.clock.now(),
    faultAt,
    detectedAfterMs,
    trafficRestoredAfterMs,
    totalMs,
    targets,
    targetsMissed,
    reportPath: null,
    error: end.error,
  };
  try {
    result.reportPath = await writeDrillReport(ctx.loaded.stateDir, result);
  } catch (error) {
    result.error ??= `could not write the drill report: ${errorMessage(error)}`;
  }
  await ctx.emit({
    service: end.service,
    environment: end.environment,
    actor: end.actor,
    type: 'drill.finished',
    message: `drill ${end.drillId} (${end.fault}) on ${end.service}: ${end.outcome}${targetsMissed.length ? `; targets missed: ${targetsMissed.join(', ')}` : ''}`,
    data: { ...result },
  });
  return result;
}

async function writeDrillReport(stateDir: string, result: DrillResult): Promise<string> {
  const directory = join(stateDir, 'drills');
  await mkdir(directory, { recursive: true });
  const safe = (text: string): string => text.replace(/[^A-Za-z0-9._-]+/g, '-');
  const stem = join(
    directory,
    `${new Date(result.startedAt).toISOString().slice(0, 10)}-${safe(result.environment)}-${safe(result.service)}-${safe(result.drillId)}`,
  );
  const path = `${stem}.md`;
  await writeFile(`${stem}.json.tmp`, `${JSON.stringify({ ...result, reportPath: path }, null, 2)}\n`, 'utf8');
  await rename(`${stem}.json.tmp`, `${stem}.json`);
  await writeFile(`${path}.tmp`, renderDrillMarkdown(result), 'utf8');
  await rename(`${path}.tmp`, path);
  return path;
}
