import type { Driver, LiveState } from './ports/driver.js';
import type { Release, RollbackKind, StepSpec } from './model.js';
import type { RestorePlan } from './restore-ramp.js';
import { rampSteps } from './restore-ramp.js';

/** A user hook (runbook steps such as "purge the CDN") run as a plan step. */
export interface HookSpec {
  name: string;
  command: string[];
  timeoutMs: number;
  onFailure: 'abort' | 'continue';
}

/** What the database part of a coordinated rollback must do. */
export interface DatabasePlan {
  database: string;
  /** schema version the database is at, and the one the target release needs */
  current: string | null;
  target: string | null;
  /** migrate-down runs the newer release's down files; restore puts back the pre-migration backup */
  method: 'migrate-down' | 'restore';
  backupId: string | null;
}

export interface PlanInput {
  from: Release | null;
  to: Release;
  live: LiveState;
  capabilities: Driver['capabilities'];
  kind: RollbackKind;
  /** emergency rollbacks skip validation steps, as the runbooks say */
  emergency: boolean;
  timeouts: { commandMs: number; readyMs: number; stopMs: number };
  /** post-rollback watch; 0 = none */
  watchMs: number;
  hooks?: { pre: HookSpec[]; post: HookSpec[] };
  smoke?: boolean;
  database?: DatabasePlan | null;
  /** use the platform's own undo when the driver has one */
  preferNativeUndo?: boolean;
  /** the target has config files kept from its deploy: put them back before it starts */
  restoreConfig?: boolean;
  /** revert the bad release's change in its source (git `revert: true`) once traffic is off it */
  revertSource?: boolean;
  /** `rollback.restore`: traffic goes back step by step; absent: all at once */
  restore?: RestorePlan | null;
}

const label = (r: Release): string => `${r.service} ${r.version} (revision ${r.revision})`;

/**
 * The planner: a pure function from (live state, target, policy) to steps.
 * Zero-downtime order (DESIGN.md): start target → await healthy → shift traffic →
 * retire the bad release → watch. Database steps wrap the switch: read-only →
 * migrate down / restore → validate → switch → writes back on.
 */
export function planRollback(input: PlanInput): StepSpec[] {
  const { from, to, live, capabilities, timeouts } = input;
  const steps: StepSpec[] = [];
  const hook = (h: HookSpec, phase: 'pre' | 'post'): StepSpec => ({
    name: 'hook',
    title: `${phase}-rollback hook ${h.name}`,
    params: { hook: h.name, command: h.command, phase },
    timeoutMs: h.timeoutMs,
    onFailure: h.onFailure,
  });

  for (const h of input.hooks?.pre ?? []) steps.push(hook(h, 'pre'));

  const db = input.database;
  if (db && db.current !== db.target) {
    steps.push({
      name: 'read-only',
      title: `stop writes on database ${db.database}`,
      params: { database: db.database },
      timeoutMs: 60_000,
      onFailure: 'abort',
    });
    if (db.method === 'restore' && db.backupId) {
      steps.push({
        name: 'restore',
        title: `restore database ${db.database} from backup ${db.backupId}`,
        params: { database: db.database, backupId: db.backupId },
        timeoutMs: 3_600_000,
        onFailure: 'abort',
      });
    } else {
      steps.push({
        name: 'migrate-down',
        title: `migrate database ${db.database} down to ${db.target ?? 'nothing'}`,
        params: { database: db.database, to: db.target },
        timeoutMs: 600_000,
        onFailure: 'abort',
      });
    }
    if (!input.emergency) {
      steps.push({
        name: 'validate-database',
        title: `validate database ${db.database}`,
        params: { database: db.database },
        timeoutMs: 300_000,
        onFailure: 'abort',
        validation: true,
      });
    }
  }

  if (input.restoreConfig) {
    // runbook: "cp .env.backup .env" before the restart, so the target starts with its own config
    steps.push({
      name: 'restore-config',
      title: `put back the config files of ${label(to)}`,
      params: { revision: to.revision },
      timeoutMs: timeouts.commandMs,
      onFailure: 'abort',
    });
  }
  const target = live.releases.find((r) => r.revision === to.revision);
  const warm = Boolean(target && target.ready >= target.desired && target.desired > 0 && target.healthy);
  if (input.preferNativeUndo && capabilities.nativeUndo) {
    steps.push({
      name: 'native-undo',
      title: `undo to ${label(to)} with the platform's own undo`,
      params: { revision: to.revision },
      timeoutMs: timeouts.commandMs,
      onFailure: 'abort',
    });
    // runbook emergency: "force delete stuck pods" of the bad revision once traffic is off it
    if (input.emergency && from && from.revision !== to.revision) {
      steps.push({
        name: 'retire',
        title: `force-stop ${label(from)}`,
        params: { revision: from.revision, force: true },
        timeoutMs: timeouts.commandMs,
        onFailure: 'continue',
      });
    }
  } else {
    if (!warm) {
      steps.push({
        name: 'start',
        title: `start ${label(to)}`,
        params: { revision: to.revision },
        timeoutMs: timeouts.commandMs,
        onFailure: 'abort',
      });
    }
    if (capabilities.health) {
      // runbook: "if the previous release is not healthy either, escalate instead of flip-flopping"
      steps.push({
        name: 'await-healthy',
        title: `check ${label(to)} is healthy${warm ? ' (still warm)' : ''}`,
        params: { revision: to.revision },
        timeoutMs: timeouts.readyMs,
        onFailure: 'abort',
      });
    }
    steps.push(
      ...rampSteps({
        from,
        to,
        live,
        warm,
        weights: Boolean(capabilities.weights),
        emergency: input.emergency,
        restore: input.restore,
        commandMs: timeouts.commandMs,
      }),
    );
    steps.push({
      name: 'shift-traffic',
      title: `shift all traffic to ${label(to)}`,
      params: {
        weights: { [to.revision]: 100, ...(from ? { [from.revision]: 0 } : {}) },
        to: to.revision,
        from: from?.revision ?? null,
      },
      timeoutMs: timeouts.commandMs,
      onFailure: 'abort',
    });
    if (from && from.revision !== to.revision) {
      steps.push({
        name: 'retire',
        title: input.emergency ? `force-stop ${label(from)}` : `drain and stop ${label(from)}`,
        params: { revision: from.revision, ...(input.emergency ? { force: true } : {}) },
        timeoutMs: timeouts.stopMs + timeouts.commandMs,
        onFailure: 'continue',
      });
    }
    if (input.revertSource && from && from.revision !== to.revision) {
      // a rollback that sticks: the branch a pipeline follows no longer holds the bad change
      steps.push({
        name: 'revert-source',
        title: `revert the change of ${label(from)} in its source`,
        params: { from: from.revision, to: to.revision },
        timeoutMs: timeouts.commandMs,
        onFailure: 'continue',
      });
    }
  }

  if (db && db.current !== db.target) {
    steps.push({
      name: 'read-write',
      title: `restore writes on database ${db.database}`,
      params: { database: db.database },
      timeoutMs: 60_000,
      onFailure: 'abort',
    });
  }
  for (const h of input.hooks?.post ?? []) steps.push(hook(h, 'post'));
  if (!input.emergency) {
    if (input.smoke)
      steps.push({
        name: 'smoke',
        title: `smoke-test ${label(to)}`,
        params: { revision: to.revision },
        timeoutMs: 120_000,
        onFailure: 'abort',
        validation: true,
      });
    if (input.watchMs > 0) {
      steps.push({
        name: 'watch',
        title: `watch ${label(to)} closely for ${Math.round(input.watchMs / 1000)}s`,
        params: { revision: to.revision, durationMs: input.watchMs },
        timeoutMs: input.watchMs + 30_000,
        onFailure: 'abort',
        validation: true,
      });
    }
  }
  return steps;
}
