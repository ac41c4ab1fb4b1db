import type { RewindConfig, SiteConfig } from '../../config/schema/index.js';
import { ExitCode, UserError } from '../../core/errors.js';
import type { DnsRecordSet } from '../../core/ports/dns.js';
import type { ZoneChange } from '../../core/site-plan.js';
import type { AppContext } from '../context.js';

/** The rollback record of every site switch: one at a time per environment. */
export const SITES_SERVICE = 'sites';

/** The site that normally serves: `failover.primary`, else the site named "primary", else the first. */
export function primarySite(config: RewindConfig): string {
  const names = Object.keys(config.sites);
  return config.failover?.primary ?? (names.includes('primary') ? 'primary' : (names[0] ?? 'primary'));
}

/** The environment a failover acts on: `failover.environment`, else the first declared one. */
export function failoverEnvironment(config: RewindConfig): string {
  return config.failover?.environment ?? Object.keys(config.environments)[0] ?? 'production';
}

export function siteConfig(ctx: AppContext, name: string): SiteConfig {
  const site = ctx.loaded.config.sites[name];
  if (!site) {
    const known = Object.keys(ctx.loaded.config.sites).join(', ') || 'none';
    throw new UserError('UNKNOWN_SITE', `unknown site "${name}" (${ctx.loaded.file} declares sites: ${known})`, {
      status: 404,
      exitCode: ExitCode.usage,
    });
  }
  return site;
}

const key = (r: { name: string; type: string }): string => `${r.name.toLowerCase().replace(/\.$/, '')} ${r.type}`;

/**
 * What the zones must hold for `to` to serve: every (name, type) any site declares
 * gets `to`'s values, or none — so an AAAA only the old site had does not keep
 * sending users there. Grouped by provider: one atomic update per zone.
 */
export function zoneChanges(config: RewindConfig, to: string): ZoneChange[] {
  const target = config.sites[to]?.records ?? [];
  const byProvider = new Map<string, Map<string, DnsRecordSet>>();
  for (const site of Object.values(config.sites)) {
    for (const record of site.records) {
      const own = target.find((r) => r.dns === record.dns && key(r) === key(record));
      const sets = byProvider.get(record.dns) ?? new Map<string, DnsRecordSet>();
      byProvider.set(record.dns, sets);
      if (sets.has(key(record))) continue;
      sets.set(key(record), {
        name: record.name,
        type: record.type,
        values: own ? [...own.values] : [],
        ttl: own?.ttl ?? record.ttl,
      });
    }
  }
  return [...byProvider].map(([provider, sets]) => ({
    provider,
    zone: config.dns.find((p) => p.name === provider)?.zone ?? '',
    records: [...sets.values()],
  }));
}

/** The longest TTL another site's records had: how long a resolver may keep sending users there. */
export function oldTtlSeconds(config: RewindConfig, to: string): number {
  let ttl = 0;
  for (const [name, site] of Object.entries(config.sites))
    if (name !== to) for (const record of site.records) ttl = Math.max(ttl, record.ttl);
  return ttl;
}

/**
 * The drill names of `failover.drill` with the values the site gives that type
 * (its first record of the type): a drill moves them, never a production name.
 */
export function drillChanges(config: RewindConfig, site: string): ZoneChange[] {
  const records = config.sites[site]?.records ?? [];
  const byProvider = new Map<string, DnsRecordSet[]>();
  for (const drill of config.failover?.drill ?? []) {
    const source = records.find((r) => r.type === drill.type);
    const list = byProvider.get(drill.dns) ?? [];
    list.push({ name: drill.name, type: drill.type, values: source ? [...source.values] : [], ttl: source?.ttl ?? 5 });
    byProvider.set(drill.dns, list);
  }
  return [...byProvider].map(([provider, list]) => ({
    provider,
    zone: config.dns.find((p) => p.name === provider)?.zone ?? '',
    records: list,
  }));
}
