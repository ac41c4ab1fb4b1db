import { parseDuration } from '../core/duration.js';
import { ExitCode, UserError, conflict, errorMessage } from '../core/errors.js';
import type { Release } from '../core/model.js';
import type { Weights } from '../core/ports/driver.js';
import { currentRelease } from '../core/targets.js';
import type { Actor, AppContext } from './context.js';
import { resolveEnvironment, serviceConfig } from './context.js';
import { assertMigratable, migrateForRelease } from './db/coordinated.js';
import { assertNoRollbackSince, serialized } from './serialize.js';
import { snapshotConfig } from './config-files/snapshot.js';
import { syncWithPlatform } from './platform-sync.js';
import { activeGroupRollbackOf } from './group/active.js';
import { awaitReady, promote, rollbackEnded } from './release-steps.js';
import { assertDeployAllowed } from './gate/gate.js';
import { onlyWatchLeft } from './monitor/superseding.js';

export { promote, retireRelease } from './release-steps.js';

export interface DeployRequest {
  service: string;
  environment?: string;
  version: string;
  strategy?: 'bluegreen' | 'canary' | 'rolling';
  /** deploy a quarantined (rolled-back) version, or the live version again */
  force?: boolean;
  /** deploy through a freeze; needs the approver role, recorded and notified */
  breakGlass?: { reason: string };
  /**
   * wait for the analysis outcome (CI gate); otherwise return once traffic is on it.
   * A rollback is an outcome as soon as traffic is back on its target.
   */
  watch?: boolean;
  /** with `watch`: when rolled back, also wait for the rollback to end (post-rollback watch); default false */
  waitStable?: boolean;
  /** back up the service's database, migrate it up and record the schema version on the release */
  migrate?: boolean;
  actor: Actor;
}

/** `analyzing`: returned without --watch once the release has traffic. */
export type DeployOutcome = 'promoted' | 'rolled-back' | 'failed' | 'waiting' | 'analyzing';

export interface DeployResult {
  service: string;
  environment: string;
  outcome: DeployOutcome;
  release: { revision: number; version: string; status: Release['status'] };
  rollbackId: string | null;
  reason: string | null;
}

/**
 * Watches a release that has traffic: returns when it is promoted,
 * rolled back or waiting for a human. Provided by the controller's monitor; without
 * one, a healthy release is promoted at once.
 */
export type Analyzer = (
  release: Release,
  previous: Release | null,
  phase: { weight: number; final: boolean; durationMs: number },
) => Promise<{ outcome: 'pass' | 'rolled-back' | 'waiting'; rollbackId: string | null; reason: string | null }>;

/** How long a deploy waits for the post-rollback watch it supersedes to end (it looks every 250 ms). */
const SUPERSEDE_WAIT_MS = 30_000;

/** new revision → start → await ready → traffic (bluegreen, or canary steps) → analysis → promoted. */
export async function deploy(
  ctx: AppContext,
  request: DeployRequest,
  analyze?: Analyzer,
  onTraffic?: (result: DeployResult) => void,
): Promise<DeployResult> {
  const config = serviceConfig(ctx, request.service);
  const environment = resolveEnvironment(ctx, request.service, request.environment);
  const { service, version } = request;
  const active = await ctx.store.listRollbacks({ service, environment, status: ['planned', 'running'] });
  // a rollback that has only its post-rollback watch left is superseded by this deploy (the fix), not in its way
  const watching = active[0] ? await ctx.store.getRollback(active[0].id) : null;
  const supersedes = watching && onlyWatchLeft(watching) ? watching.id : null;
  const inProgress = supersedes ? null : (active[0] ?? (await activeGroupRollbackOf(ctx, service, environment)));
  if (inProgress)
    throw conflict(
      `a rollback of ${service} in ${environment} is in progress (${inProgress.id}); deploy after it ends`,
    );
  await syncWithPlatform(ctx, service, environment);
  const releases = await ctx.store.listReleases(service, environment, 1000);
  if (releases.some((r) => r.status === 'deploying' || r.status === 'analyzing')) {
    throw conflict(`a deploy of ${service} in ${environment} is already in progress`);
  }
  // a rolled-back version stays quarantined and a freeze holds, for every deploy path (the gate)
  await assertDeployAllowed(ctx, {
    service,
    environment,
    version,
    force: request.force,
    breakGlass: request.breakGlass,
    actor: request.actor,
  });
  const previous = currentRelease(releases);
  if (previous?.version === version && !request.force) {
    // a second revision of what already serves would only start more processes
    throw new UserError(
      'ALREADY_LIVE',
      `${service} ${version} is already live in ${environment} (revision ${previous.revision}); deploy it again with --force`,
      { status: 409, exitCode: ExitCode.usage },
    );
  }
  if (request.migrate) assertMigratable(ctx, service);
  const driver = ctx.driver(service);
  // the platform's next revision (a Deployment's next ReplicaSet revision), so both count alike
  const platformRevision = await driver.nextRevision?.(service, environment);
  const storeNext = (releases[0]?.revision ?? 0) + 1;
  let release = await ctx.store.createRelease(
    {
      service,
      environment,
      version,
      deployedBy: request.actor.name,
      ...(platformRevision ? { revision: Math.max(platformRevision, storeNext) } : {}),
    },
    ctx.clock.now(),
  );
  const strategy = request.strategy ?? config.strategy;
  // every move of this deploy waits for a running rollback, and none happens after one was requested
  const guarded = <T>(work: () => Promise<T>) =>
    serialized(ctx, service, environment, async () => {
      try {
        await assertNoRollbackSince(ctx, service, environment, release.createdAt);
      } catch (error) {
        const now = await ctx.store.getRelease(service, environment, release.revision);
        if (now?.status === 'deploying') await ctx.store.setReleaseStatus(release.id, 'failed', ctx.clock.now());
        throw error;
      }
      return work();
    });
  const base = { service, environment, revision: release.revision, actor: request.actor.name };
  await ctx.emit({
    ...base,
    type: 'deploy.started',
    message: `deploying ${service} ${version} as revision ${release.revision} (${strategy})${supersedes ? `; it ends the post-rollback watch of ${supersedes}` : ''}`,
    data: { version, revision: release.revision, strategy, ...(supersedes ? { supersedes } : {}) },
  });
  const result = (
    outcome: DeployOutcome,
    rollbackId: string | null = null,
    reason: string | null = null,
  ): DeployResult => ({
    service,
    environment,
    outcome,
    release: { revision: release.revision, version, status: release.status },
    rollbackId,
    reason,
  });

  try {
    // the watch sees this release in the store and ends; nothing of this deploy moves before the rollback has
    if (supersedes) await rollbackEnded(ctx, supersedes, SUPERSEDE_WAIT_MS);
    await snapshotConfig(ctx, release);
    await guarded(async () => {
      if (request.migrate) release = await migrateForRelease(ctx, release, request.actor.name);
      // pinned before the start: a rollback to this release runs these bytes, not a moved tag
      const artifact = await driver.resolveArtifact?.(release);
      if (artifact) release = await ctx.store.updateRelease(release.id, { artifact }, ctx.clock.now());
      await driver.start(release);
      // a rolling update gives the new release traffic as it becomes ready: it is watched during the rollout
      if (driver.capabilities.health && !driver.capabilities.rollsInPlace)
        await awaitReady(ctx, release, parseDuration(config.health.readyTimeout));
    });
  } catch (error) {
    // a release that never gets ready never receives traffic
    const reason = ctx.redact(errorMessage(error));
    release = await ctx.store.setReleaseStatus(release.id, 'failed', ctx.clock.now());
    await driver.retire(release).catch(() => undefined);
    await ctx.emit({
      ...base,
      type: 'deploy.failed',
      message: `${service} ${version} failed before getting traffic: ${reason}`,
      data: { revision: release.revision, reason },
    });
    return result('failed', null, reason);
  }
  await ctx.emit({
    ...base,
    type: 'deploy.ready',
    message: `${service} ${version} is ready`,
    data: { revision: release.revision },
  });

  // a canary needs a stable release to compare with: the first release simply goes live
  const steps = strategy === 'canary' && previous ? config.canary.steps : [100];
  const analysisMs = parseDuration(config.analysis.duration);
  for (const [i, weight] of steps.entries()) {
    const weights: Weights = { [release.revision]: weight, ...(previous ? { [previous.revision]: 100 - weight } : {}) };
    await guarded(async () => {
      await driver.shiftTraffic(service, environment, weights, previous ? [release, previous] : [release]);
      if (i === 0) release = await ctx.store.setReleaseStatus(release.id, 'analyzing', ctx.clock.now());
    });
    if (i === 0) onTraffic?.(result('analyzing'));
    await ctx.emit({
      ...base,
      type: 'deploy.traffic',
      message: `${service} ${version} gets ${weight}% of traffic`,
      data: { weights },
    });
    const final = i === steps.length - 1;
    if (analyze) {
      const verdict = await analyze(release, previous, {
        weight,
        final,
        durationMs: final ? analysisMs : parseDuration(config.canary.pause),
      });
      if (verdict.outcome !== 'pass') {
        if (request.waitStable && verdict.rollbackId) await rollbackEnded(ctx, verdict.rollbackId);
        release = (await ctx.store.getRelease(service, environment, release.revision)) ?? release;
        return result(verdict.outcome, verdict.rollbackId, verdict.reason);
      }
    }
  }
  if (driver.capabilities.rollsInPlace && driver.capabilities.health) {
    try {
      await awaitReady(ctx, release, parseDuration(config.health.readyTimeout));
    } catch (error) {
      const reason = ctx.redact(errorMessage(error));
      release = await ctx.store.setReleaseStatus(release.id, 'failed', ctx.clock.now());
      // retiring the release a rolling update is on takes the platform back to the one before
      await driver.retire(release).catch(() => undefined);
      if (previous) await ctx.store.setReleaseStatus(previous.id, 'live', ctx.clock.now());
      await ctx.emit({
        ...base,
        type: 'deploy.failed',
        message: `${service} ${version} did not finish rolling out: ${reason}`,
        data: { revision: release.revision, reason },
      });
      return result('failed', null, reason);
    }
  }
  release = await guarded(() => promote(ctx, release, previous));
  return result('promoted');
}
