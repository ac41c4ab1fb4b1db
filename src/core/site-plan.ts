import type { StepSpec } from './model.js';
import type { DnsRecordSet } from './ports/dns.js';

/** The records of one zone that move together: one atomic update per zone. */
export interface ZoneChange {
  provider: string;
  zone: string;
  records: DnsRecordSet[];
}

export interface SitePlanInput {
  /** the site traffic leaves, when known */
  from: string | null;
  to: string;
  health: { url: string; status: number; timeoutMs: number };
  /** go on even if the site's health check fails (the step is recorded skipped, never done) */
  force: boolean;
  /** put the site's database on this backup before its records change */
  restore: { database: string; backupId: string } | null;
  changes: ZoneChange[];
  /** the longest TTL the old records had: what resolvers may still hold */
  oldTtlSeconds: number;
  /** how long the authoritative servers get to answer the new records */
  verifyTimeoutMs: number;
  /** a drill moves the drill names there and back and touches no database */
  drill?: { back: ZoneChange[] } | null;
}

const names = (change: ZoneChange): string =>
  [...new Set(change.records.filter((r) => r.values.length > 0).map((r) => r.name))].join(', ') || 'nothing';

/**
 * The runbook's "Emergency DNS failover" as a plan, pure like the rollback planner:
 * check the standby is healthy → restore its database (writes stay stopped) →
 * change the records, one atomic update per zone → verify at each zone's
 * authoritative server → writes on → wait out the old TTL → tell people.
 */
export function planSiteSwitch(input: SitePlanInput): StepSpec[] {
  const steps: StepSpec[] = [];
  const { to } = input;
  steps.push({
    name: 'check-site',
    title: `check site ${to} is healthy (${input.health.url} answers ${input.health.status})${input.force ? ' — forced' : ''}`,
    params: { site: to, ...input.health, force: input.force },
    timeoutMs: Math.max(30_000, input.health.timeoutMs * 4),
    onFailure: 'abort',
  });
  if (input.restore && !input.drill) {
    steps.push({
      name: 'restore',
      title: `restore database ${input.restore.database} of site ${to} from backup ${input.restore.backupId}`,
      params: { database: input.restore.database, backupId: input.restore.backupId, site: to },
      timeoutMs: 3_600_000,
      onFailure: 'abort',
    });
  }
  const change = (c: ZoneChange, site: string, last: boolean): StepSpec[] => [
    {
      name: 'update-dns',
      title: `point ${names(c)} at site ${site} (DNS provider ${c.provider}, zone ${c.zone})`,
      params: { provider: c.provider, zone: c.zone, records: c.records, site },
      timeoutMs: 60_000,
      onFailure: 'abort',
    },
    {
      name: 'verify-dns',
      title: `verify zone ${c.zone}'s authoritative server answers site ${site}'s records`,
      params: { provider: c.provider, zone: c.zone, records: c.records, site, last },
      timeoutMs: input.verifyTimeoutMs,
      onFailure: 'abort',
    },
  ];
  input.changes.forEach((c, i) => steps.push(...change(c, to, i === input.changes.length - 1)));
  if (input.drill) {
    const from = input.from ?? 'the previous site';
    input.drill.back.forEach((c) => steps.push(...change(c, from, false)));
    return steps;
  }
  if (input.restore) {
    steps.push({
      name: 'read-write',
      title: `restore writes on database ${input.restore.database} of site ${to}`,
      params: { database: input.restore.database },
      timeoutMs: 60_000,
      onFailure: 'abort',
    });
  }
  if (input.oldTtlSeconds > 0) {
    steps.push({
      name: 'await-ttl',
      title: `wait out the old records' TTL (${input.oldTtlSeconds}s) so resolvers follow`,
      params: { seconds: input.oldTtlSeconds },
      timeoutMs: input.oldTtlSeconds * 1000 + 30_000,
      onFailure: 'continue',
    });
  }
  steps.push({
    name: 'notify',
    title: `announce that site ${to} serves ${input.changes.map(names).join(', ')}`,
    params: { from: input.from, to },
    timeoutMs: 30_000,
    onFailure: 'continue',
  });
  return steps;
}
