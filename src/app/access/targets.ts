import { notFound } from '../../core/errors.js';
import type { Approval } from '../../core/model.js';
import type { AppContext } from '../context.js';
import { resolveEnvironment } from '../context.js';
import { resolveDatabaseName } from '../db/database-for.js';
import { defaultEnvironment } from '../environments.js';
import { allEvents } from '../record/incident.js';

/**
 * What a route acts on or reads, as the route declares it. Authorization resolves
 * it with the same defaults the use case applies (the first environment of a
 * service, the only database…), so a request that names nothing is checked
 * against what will really be touched.
 */
export type AccessTarget =
  /** beyond any one environment (tokens, process-wide settings): an environment-limited token may not */
  | { kind: 'global' }
  /** a service in an environment: the one named, else the service's first */
  | { kind: 'service'; service: string | undefined; environment: string | undefined }
  /** a whole environment (group undo, drill): the one named, else the first declared */
  | { kind: 'environment'; environment: string | undefined }
  /** a database: every environment of the services that use it; the only one declared when none is named */
  | { kind: 'database'; database: string | undefined }
  /** one stored record: the environments it belongs to; one the token may not see is "not found" */
  | { kind: 'approval' | 'rollback' | 'drill'; id: string | undefined }
  /**
   * a list of records: naming an environment checks that one; naming none lists
   * only the environments the token may see (the handler filters with `visible`)
   */
  | { kind: 'records'; environment: string | undefined };

/** What authorization decided a request touches. */
export type Reach =
  | { environments: string[] }
  /** the request touches more than any environment list says (or it could not be told which) */
  | { everything: string }
  /** a list filtered by the token's environments */
  | { filtered: true }
  /** a record that does not exist: answered 404 whoever asks */
  | { missing: Error };

/** The environments a database belongs to: those of the services that use it, else all declared. */
export function databaseEnvironments(ctx: AppContext, database: string | undefined): string[] {
  const { config } = ctx.loaded;
  const declared = Object.keys(config.environments);
  const names = Object.keys(config.databases);
  const name = database ?? (names.length === 1 ? names[0] : undefined);
  if (!name) return declared;
  const users = Object.values(config.services).filter((s) => s.database === name);
  if (!users.length) return declared;
  return [...new Set(users.flatMap((s) => s.environments ?? declared))];
}

/** Every environment an approval touches: its own, and all those its operation reaches. */
export function approvalEnvironments(approval: Approval): string[] {
  const listed = approval.payload.environments;
  const more = Array.isArray(listed) ? listed.filter((e): e is string => typeof e === 'string') : [];
  return [...new Set([approval.environment, ...more])];
}

const unresolved = (what: string, error: unknown): Reach => ({
  everything: `${what} (${error instanceof Error ? error.message : String(error)})`,
});

/** The environments a target touches, after the use case's defaults. */
export async function resolveReach(ctx: AppContext, target: AccessTarget): Promise<Reach> {
  switch (target.kind) {
    case 'global':
      return { everything: 'an action that reaches beyond one environment' };
    case 'records':
      return target.environment === undefined ? { filtered: true } : { environments: [target.environment] };
    case 'environment':
      try {
        return { environments: [defaultEnvironment(ctx, target.environment)] };
      } catch (error) {
        return target.environment ? { environments: [target.environment] } : unresolved('no environment', error);
      }
    case 'service':
      if (target.service === undefined) return unresolved('no service', 'none named');
      try {
        return { environments: [resolveEnvironment(ctx, target.service, target.environment)] };
      } catch (error) {
        return target.environment ? { environments: [target.environment] } : unresolved('no environment', error);
      }
    case 'database':
      try {
        return { environments: databaseEnvironments(ctx, resolveDatabaseName(ctx, target.database)) };
      } catch (error) {
        return unresolved('no single database', error);
      }
    default:
      return recordReach(ctx, target.kind, target.id ?? '');
  }
}

async function recordReach(ctx: AppContext, kind: 'approval' | 'rollback' | 'drill', id: string): Promise<Reach> {
  if (kind === 'approval') {
    const approval = await ctx.store.getApproval(id);
    if (!approval) return { missing: notFound(`approval ${id}`) };
    return { environments: approvalEnvironments(approval) };
  }
  if (kind === 'rollback') {
    const rollback = await ctx.store.getRollback(id);
    if (!rollback) return { missing: notFound(`rollback ${id}`) };
    return { environments: [rollback.environment] };
  }
  const events = await allEvents(ctx, { types: ['drill.started'] });
  const started = events.find((event) => event.data.drillId === id);
  if (!started) return { missing: notFound(`drill ${id}`, 'start one with: rewind drill <env>') };
  return started.environment ? { environments: [started.environment] } : { everything: 'a drill of no environment' };
}
