/**
 * Quarantine: a release that was rolled back stays out of reach of every deploy
 * path (Rewind's own, a CI pipeline asking `rewind gate`, an Argo CD PreSync hook)
 * until a person lifts it with a reason. The state is derived from the store: the
 * newest release of a version is `rolled-back` and no `quarantine.lifted` event
 * came after it. Nothing else has to be kept in step.
 */
import { UserError, notFound } from '../../core/errors.js';
import type { Release } from '../../core/model.js';
import type { Actor, AppContext } from '../context.js';
import { resolveEnvironment, serviceConfig } from '../context.js';
import { allEvents } from '../record/incident.js';

export interface QuarantineEntry {
  service: string;
  environment: string;
  version: string;
  revision: number;
  /** the artifact of the release: for git releases the commit, so a branch name that points at it is refused too */
  artifact: string | null;
  /** the rollback that took traffic away from it */
  rollbackId: string | null;
  rollbackReason: string | null;
  since: number;
}

export const LIFTED = 'quarantine.lifted';

/**
 * A version names the release when it is its label or its artifact, or a commit
 * prefix of at least 7 characters of either (git releases are deployed by sha).
 */
export function namesRelease(entry: Pick<QuarantineEntry, 'version' | 'artifact'>, version: string): boolean {
  const shortSha = /^[0-9a-f]{7,}$/.test(version);
  return [entry.version, entry.artifact].some(
    (name) =>
      name !== null && (name === version || (shortSha && /^[0-9a-f]{40,64}$/.test(name) && name.startsWith(version))),
  );
}

/** The quarantined releases of one service in one environment, newest first. */
export async function quarantinedIn(ctx: AppContext, service: string, environment: string): Promise<QuarantineEntry[]> {
  const releases = await ctx.store.listReleases(service, environment, 1000);
  const newestOfVersion = new Map<string, Release>();
  for (const release of releases)
    if (!newestOfVersion.has(release.version)) newestOfVersion.set(release.version, release);
  const rolledBack = [...newestOfVersion.values()].filter((r) => r.status === 'rolled-back');
  if (rolledBack.length === 0) return [];
  const lifts = await allEvents(ctx, { service, environment, types: [LIFTED] });
  const rollbacks = await ctx.store.listRollbacks({ service, environment, limit: 1000 });
  const out: QuarantineEntry[] = [];
  for (const release of rolledBack) {
    const lifted = lifts.some((e) => e.data.version === release.version && e.at >= release.updatedAt);
    if (lifted) continue;
    const rollback = rollbacks.find((r) => r.fromRevision === release.revision) ?? null;
    out.push({
      service,
      environment,
      version: release.version,
      revision: release.revision,
      artifact: release.artifact,
      rollbackId: rollback?.id ?? null,
      rollbackReason: rollback?.reason ?? null,
      since: release.updatedAt,
    });
  }
  return out;
}

/** Every quarantined release, or those of one service / environment. */
export async function listQuarantine(
  ctx: AppContext,
  query: { service?: string; environment?: string } = {},
): Promise<QuarantineEntry[]> {
  const config = ctx.loaded.config;
  const services = query.service ? [query.service] : Object.keys(config.services);
  const out: QuarantineEntry[] = [];
  for (const service of services) {
    const declared = serviceConfig(ctx, service).environments ?? Object.keys(config.environments);
    const environments = query.environment ? [resolveEnvironment(ctx, service, query.environment)] : declared;
    for (const environment of environments) out.push(...(await quarantinedIn(ctx, service, environment)));
  }
  return out.sort((a, b) => b.since - a.since);
}

export interface LiftRequest {
  service: string;
  environment?: string;
  version: string;
  reason: string;
  actor: Actor;
}

/** Lifts a quarantine: recorded as an audit event with who and why; the version may be deployed again. */
export async function liftQuarantine(ctx: AppContext, request: LiftRequest): Promise<QuarantineEntry> {
  const environment = resolveEnvironment(ctx, request.service, request.environment);
  const reason = request.reason.trim();
  if (!reason)
    throw new UserError('REASON_REQUIRED', 'say why the quarantine may be lifted: --reason "<why it is safe now>"', {
      exitCode: 2,
    });
  const entries = await quarantinedIn(ctx, request.service, environment);
  const entry = entries.find((e) => namesRelease(e, request.version));
  if (!entry)
    throw notFound(
      `a quarantine of ${request.service} ${request.version} in ${environment}`,
      'list them with: rewind quarantine list',
    );
  await ctx.emit({
    type: LIFTED,
    service: entry.service,
    environment: entry.environment,
    revision: entry.revision,
    actor: request.actor.name,
    message: `${entry.service} ${entry.version} (revision ${entry.revision}) may be deployed again: ${reason}`,
    data: { version: entry.version, reason, rollbackId: entry.rollbackId },
  });
  return entry;
}
