import type { StepHandler } from '../../core/executor.js';
import type { StepName } from '../../core/model.js';
import type { DnsAnswer, DnsRecordSet } from '../../core/ports/dns.js';
import type { AppContext } from '../context.js';
import { checkSiteHealth } from './site-health.js';

const bare = (name: string): string => name.toLowerCase().replace(/\.$/, '');
const address = (value: string): string => {
  if (!value.includes(':')) return value;
  try {
    return new URL(`http://[${value}]/`).hostname.slice(1, -1);
  } catch {
    return value.toLowerCase();
  }
};

/** True when the server answers exactly the record's values (order, case and a trailing dot aside). */
export function holds(answer: DnsAnswer, record: DnsRecordSet): boolean {
  const norm = (v: string) => (record.type === 'CNAME' ? bare(v) : address(v));
  const wanted = record.values.map(norm).sort();
  const got = answer.values.map(norm).sort();
  return wanted.length === got.length && wanted.every((v, i) => v === got[i]);
}

/**
 * The steps of a site switch, registered through `ctx.extraHandlers`. Each is
 * idempotent: a health check reads, an update deletes and adds the same RRsets
 * again, verification and the TTL wait only read and wait.
 */
export function siteStepHandlers(ctx: AppContext): Partial<Record<StepName, StepHandler>> {
  return {
    async 'check-site'(step, { signal, log }) {
      const health = {
        url: String(step.params.url),
        status: Number(step.params.status),
        timeoutMs: Number(step.params.timeoutMs),
      };
      let last = { ok: false, detail: 'not checked' };
      // three looks a second apart: one dropped answer does not refuse a failover
      for (let look = 1; look <= 3; look++) {
        last = await checkSiteHealth(health, signal);
        if (last.ok) return `site ${String(step.params.site)} is healthy: ${last.detail}`;
        log(`look ${look}: ${last.detail}`);
        if (look < 3) await ctx.clock.sleep(1_000, signal);
      }
      if (step.params.force === true)
        return {
          skipped: `site ${String(step.params.site)} is NOT healthy (${last.detail}); going on because of --force`,
        };
      throw new Error(
        `site ${String(step.params.site)} is not healthy: ${last.detail} — refused before any change (use --force to fail over anyway)`,
      );
    },
    async 'update-dns'(step, { signal }) {
      const records = step.params.records as DnsRecordSet[];
      return ctx.adapters.dns(String(step.params.provider)).replace(records, { signal });
    },
    async 'verify-dns'(step, { rollback, signal, log }) {
      const provider = ctx.adapters.dns(String(step.params.provider));
      const records = step.params.records as DnsRecordSet[];
      const started = ctx.clock.now();
      let last = '';
      for (;;) {
        const waiting: string[] = [];
        for (const record of records) {
          const answer = await provider.lookup(record.name, record.type, { signal }).catch((error: Error) => ({
            values: [`(${error.message})`],
            ttl: null,
          }));
          if (!holds(answer, record))
            waiting.push(
              `${record.name} ${record.type} is ${answer.values.join(',') || 'empty'}, want ${record.values.join(',') || 'empty'}`,
            );
        }
        if (waiting.length === 0) break;
        const now = waiting.join('; ');
        if (now !== last) log(now);
        last = now;
        await ctx.clock.sleep(200, signal);
      }
      const at = ctx.clock.now();
      if (step.params.last === true && rollback.kind !== 'drill') {
        await ctx.emit({
          type: 'rollback.traffic-restored',
          service: rollback.service,
          environment: rollback.environment,
          rollbackId: rollback.id,
          message: `the authoritative servers answer site ${String(step.params.site)}'s records`,
          data: { site: step.params.site, atMs: at },
        });
      }
      return `zone ${String(step.params.zone)} answers site ${String(step.params.site)}'s records (${at - started}ms after the update)`;
    },
    async 'await-ttl'(step, { rollback, signal }) {
      // counted from when the last update was made (the journal), so a resumed wait does not start over
      const detail = await ctx.store.getRollback(rollback.id);
      const updated = Math.max(
        0,
        ...(detail?.steps ?? []).filter((s) => s.name === 'update-dns').map((s) => s.finishedAt ?? 0),
      );
      const from = updated || ctx.clock.now();
      const until = from + Number(step.params.seconds) * 1000;
      const when = new Date(until).toISOString();
      await ctx.emit({
        type: 'site.resolvers-follow',
        service: rollback.service,
        environment: rollback.environment,
        rollbackId: rollback.id,
        message: `resolvers that cached the old records follow by ${when} (old TTL ${String(step.params.seconds)}s)`,
        data: { atMs: until, ttlSeconds: step.params.seconds },
      });
      const left = until - ctx.clock.now();
      if (left > 0) await ctx.clock.sleep(left, signal);
      return `old TTL elapsed: resolvers follow from ${when}`;
    },
    async notify(step, { rollback }) {
      const from = step.params.from === null ? 'the previous site' : `site ${String(step.params.from)}`;
      await ctx.emit({
        type: 'site.switched',
        service: rollback.service,
        environment: rollback.environment,
        rollbackId: rollback.id,
        message: `site ${String(step.params.to)} now serves traffic instead of ${from}`,
        data: { from: step.params.from, to: step.params.to, kind: rollback.kind },
      });
      return `announced (site.switched, routed to the channels of notifications.routes)`;
    },
  };
}
