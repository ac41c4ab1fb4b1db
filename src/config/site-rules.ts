/** Cross-field checks of `dns:`, `sites:` and `failover:`: every reference must resolve. */
import { duplicates, entries, list, type Problem, type Rule } from './rule-kit.js';

const inZone = (name: string, zone: string): boolean => {
  const n = name.toLowerCase().replace(/\.$/, '');
  const z = zone.toLowerCase().replace(/\.$/, '');
  return n === z || n.endsWith(`.${z}`);
};

export const siteRules: Rule = (config) => {
  const problems: Problem[] = [];
  const providers = list(config.dns);
  for (const i of duplicates(providers, (p) => p?.name))
    problems.push({ path: ['dns', i, 'name'], message: `duplicate DNS provider name "${providers[i]?.name}"` });
  const zones = new Map(providers.map((p) => [p?.name, p?.zone]));
  const known = [...zones.keys()].join(', ') || 'none';
  const checkRecord = (record: { dns?: string; name?: string } | undefined, path: (string | number)[]) => {
    if (typeof record?.dns !== 'string') return;
    const zone = zones.get(record.dns);
    if (zone === undefined)
      problems.push({
        path: [...path, 'dns'],
        message: `unknown DNS provider "${record.dns}" (declared in dns: ${known})`,
      });
    else if (typeof record.name === 'string' && typeof zone === 'string' && !inZone(record.name, zone))
      problems.push({
        path: [...path, 'name'],
        message: `"${record.name}" is not in zone ${zone} of DNS provider "${record.dns}"`,
      });
  };
  const sites = entries(config.sites);
  const databases = Object.keys(config.databases ?? {});
  for (const [site, spec] of sites) {
    if (!/^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$/.test(site))
      problems.push({
        path: ['sites', site],
        message: `expected a site name of lowercase letters, digits, "-" and "_", got "${site}"`,
      });
    list(spec?.records).forEach((record, i) => checkRecord(record, ['sites', site, 'records', i]));
    if (typeof spec?.restoreDatabase === 'string' && !databases.includes(spec.restoreDatabase))
      problems.push({
        path: ['sites', site, 'restoreDatabase'],
        message: `unknown database "${spec.restoreDatabase}" (declared in databases: ${databases.join(', ') || 'none'})`,
      });
  }
  if (sites.length === 1)
    problems.push({
      path: ['sites'],
      message: 'expected a primary and at least one standby site (one site is declared)',
    });
  const failover = config.failover;
  const names = sites.map(([name]) => name);
  if (typeof failover?.primary === 'string' && !names.includes(failover.primary))
    problems.push({
      path: ['failover', 'primary'],
      message: `unknown site "${failover.primary}" (declared: ${names.join(', ') || 'none'})`,
    });
  if (
    typeof failover?.environment === 'string' &&
    !Object.keys(config.environments ?? {}).includes(failover.environment)
  )
    problems.push({
      path: ['failover', 'environment'],
      message: `unknown environment "${failover.environment}" (declared: ${Object.keys(config.environments ?? {}).join(', ') || 'none'})`,
    });
  list(failover?.drill).forEach((record, i) => checkRecord(record, ['failover', 'drill', i]));
  if (failover && sites.length === 0)
    problems.push({ path: ['failover'], message: 'failover needs `sites:` with a primary and a standby' });
  return problems;
};
