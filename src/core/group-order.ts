/**
 * Rolling back several services at once (the runbooks' "./deploy.sh rollback
 * production", "rollback the backend only"): pure ordering and bookkeeping, no I/O.
 */
import type { RollbackDetail } from './model.js';

/**
 * Dependents first, the reverse of deploy order: a service goes only once every
 * service that depends on it has gone (web before the api it calls), so nothing
 * new ever calls an older dependency it does not know. Services that do not
 * depend on each other keep the order they are given in. Dependencies outside
 * `services` are ignored; a cycle (refused by config validation) keeps the
 * given order for the services caught in it.
 */
export function rollbackOrder(services: string[], dependsOn: (service: string) => string[]): string[] {
  const members = new Set(services);
  const dependents = new Map<string, string[]>(services.map((s) => [s, []]));
  for (const service of services) {
    for (const dep of dependsOn(service)) if (members.has(dep) && dep !== service) dependents.get(dep)?.push(service);
  }
  const order: string[] = [];
  const placed = new Set<string>();
  while (order.length < services.length) {
    const next =
      services.find((s) => !placed.has(s) && (dependents.get(s) ?? []).every((d) => placed.has(d))) ??
      services.find((s) => !placed.has(s));
    if (next === undefined) break;
    order.push(next);
    placed.add(next);
  }
  return order;
}

export interface GroupOutcome {
  /** every step of these services finished */
  rolledBack: string[];
  /** the service whose step failed and stopped the rest, if any */
  failed: string | null;
  /** services whose steps had not all run */
  notRolledBack: string[];
}

/** What a rollback of several services did, per service, from its steps (`params.service`). */
export function groupOutcome(detail: Pick<RollbackDetail, 'steps'>): GroupOutcome {
  const order: string[] = [];
  const byService = new Map<string, RollbackDetail['steps']>();
  for (const step of detail.steps) {
    const service = typeof step.params.service === 'string' ? step.params.service : '';
    if (!byService.has(service)) {
      byService.set(service, []);
      order.push(service);
    }
    byService.get(service)?.push(step);
  }
  const outcome: GroupOutcome = { rolledBack: [], failed: null, notRolledBack: [] };
  for (const service of order) {
    const steps = byService.get(service) ?? [];
    const stopped = steps.some((s) => s.status === 'failed' && s.onFailure === 'abort');
    if (stopped && outcome.failed === null) outcome.failed = service;
    else if (steps.every((s) => s.status === 'done' || s.status === 'skipped' || s.status === 'failed'))
      outcome.rolledBack.push(service);
    else outcome.notRolledBack.push(service);
  }
  return outcome;
}

/** "web rolled back; api FAILED; worker not rolled back" */
export function describeGroupOutcome(outcome: GroupOutcome): string {
  const parts = [
    outcome.rolledBack.length ? `${outcome.rolledBack.join(', ')} rolled back` : 'nothing rolled back',
    ...(outcome.failed ? [`${outcome.failed} FAILED`] : []),
    ...(outcome.notRolledBack.length ? [`${outcome.notRolledBack.join(', ')} not rolled back`] : []),
  ];
  return parts.join('; ');
}
