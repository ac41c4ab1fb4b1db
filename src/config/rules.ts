/** The cross-field checks that run after the schema (every one of them, so a file gets all its problems at once). */
import { backupRules } from './backup-rules.js';
import { freezeRules } from './freeze-rules.js';
import { ROLLBACK_RULES } from './rollback-rules.js';
import { duplicates, entries, list, type Problem, type Rule } from './rule-kit.js';
import { triggerRules } from './trigger-rules.js';
import { siteRules } from './site-rules.js';
import { MISSING_HAPROXY, findHaproxy } from '../proxy/haproxy/binary.js';
import type { Path } from './yaml-source.js';

export type { Rule } from './rule-kit.js';

/** Drivers whose services have their own front door (`driver.listen`) on this host. */
const frontDoorDrivers: readonly unknown[] = ['local', 'container'];

const unknownEnvironments: Rule = (config) => {
  const known = Object.keys(config.environments ?? {});
  const problems: Problem[] = [];
  const check = (env: string, path: Path) => {
    if (!known.includes(env))
      problems.push({ path, message: `unknown environment "${env}" (declared: ${known.join(', ') || 'none'})` });
  };
  for (const [name, service] of entries(config.services))
    list(service?.environments).forEach((env, i) => check(env, ['services', name, 'environments', i]));
  list(config.drills).forEach((drill, i) => typeof drill?.env === 'string' && check(drill.env, ['drills', i, 'env']));
  list(config.notifications?.routes).forEach((route, i) =>
    list(route?.environments).forEach((env, j) => check(env, ['notifications', 'routes', i, 'environments', j])),
  );
  return problems;
};

const storeRules: Rule = (config) => {
  const store = config.controller?.store;
  if (store?.type === 'postgres' && !store.url)
    return [{ path: ['controller', 'store', 'url'], message: 'expected a postgres:// URL for the postgres store' }];
  if (store?.type === 'postgres' && store.url && !/^postgres(ql)?:\/\//.test(store.url))
    return [
      {
        path: ['controller', 'store', 'url'],
        message: `expected a postgres:// URL, got "${store.url.split('@').pop()}"`,
      },
    ];
  return [];
};

const uniqueNames: Rule = (config) => {
  const problems: Problem[] = [];
  const channels = list(config.notifications?.channels);
  for (const i of duplicates(channels, (c) => c?.name))
    problems.push({
      path: ['notifications', 'channels', i, 'name'],
      message: `duplicate channel name "${channels[i]?.name}"`,
    });
  const providers = list(config.providers);
  for (const i of duplicates(providers, (p) => p?.name))
    problems.push({ path: ['providers', i, 'name'], message: `duplicate provider name "${providers[i]?.name}"` });
  const names = new Set(channels.map((c) => c?.name));
  list(config.notifications?.routes).forEach((route, i) =>
    list(route?.channels).forEach((channel, j) => {
      if (!names.has(channel))
        problems.push({
          path: ['notifications', 'routes', i, 'channels', j],
          message: `unknown channel "${channel}" (declared: ${[...names].join(', ') || 'none'})`,
        });
    }),
  );
  const listens = new Map<string, string>();
  const declared = Object.keys(config.environments ?? {});
  for (const [name, service] of entries(config.services)) {
    const listen = (service?.driver as { listen?: unknown } | undefined)?.listen;
    if (!frontDoorDrivers.includes(service?.driver?.type) || typeof listen !== 'string') continue;
    // one traffic switch per front door: a second environment on it would serve the other's release
    const served = Array.isArray(service.environments) ? service.environments : declared;
    if (served.length > 1)
      problems.push({
        path: ['services', name, 'driver', 'listen'],
        message: `one front door (${listen}) cannot serve ${served.length} environments (${served.join(', ')}): set services.${name}.environments to one, and give each environment its own service and listen address`,
      });
    const other = listens.get(listen);
    if (other)
      problems.push({
        path: ['services', name, 'driver', 'listen'],
        message: `address ${listen} is already the front door of service "${other}"`,
      });
    listens.set(listen, name);
  }
  return problems;
};

const serviceNames: Rule = (config) =>
  Object.keys(config.services ?? {})
    .filter((name) => !/^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$/.test(name))
    .map((name) => ({
      path: ['services', name],
      message: `expected a service name of lowercase letters, digits, "-" and "_", got "${name}"`,
    }));

/** Signals that need something else configured. */
const signalNeeds: Rule = (config) => {
  const problems: Problem[] = [];
  for (const [name, service] of entries(config.services)) {
    list(service?.triggers).forEach((trigger, i) => {
      if (
        trigger?.metric === 'dbConnectionsPercent' &&
        trigger.source === undefined &&
        typeof service?.database !== 'string'
      ) {
        problems.push({
          path: ['services', name, 'triggers', i, 'metric'],
          message: 'dbConnectionsPercent reads the service’s PostgreSQL: set `database` on the service',
        });
      }
    });
    if (
      list(service?.smoke).length > 0 &&
      !frontDoorDrivers.includes(service?.driver?.type) &&
      typeof service?.smokeBaseUrl !== 'string'
    ) {
      problems.push({
        path: ['services', name, 'smoke'],
        message:
          'smoke tests need `smokeBaseUrl` with this driver (only the local driver’s front door is known); they will be skipped',
        severity: 'warning',
      });
    }
  }
  return problems;
};

/** `router: haproxy` needs the binary on this host: say which package before anything starts. */
const haproxyInstalled: Rule = (config) => {
  const wanting = entries(config.services).filter(
    ([, service]) => (service?.driver as { router?: string } | undefined)?.router === 'haproxy',
  );
  if (wanting.length === 0 || findHaproxy() !== undefined) return [];
  return wanting.map(([name]) => ({ path: ['services', name, 'driver', 'router'], message: MISSING_HAPROXY }));
};

/** Which strategies a driver can run: rolling needs a platform that replaces a release in place. */
const strategyRules: Rule = (config) => {
  const problems: Problem[] = [];
  for (const [name, service] of entries(config.services)) {
    const type = service?.driver?.type;
    const strategy = service?.strategy;
    if (strategy === 'rolling' && type !== 'kubernetes' && type !== 'helm')
      problems.push({
        path: ['services', name, 'strategy'],
        message: `strategy "rolling" needs driver type kubernetes or helm (this service uses ${String(type)}); use bluegreen or canary`,
      });
    if (type === 'helm' && strategy === 'canary')
      problems.push({
        path: ['services', name, 'strategy'],
        message: 'the helm driver runs strategy rolling; canary is not available on it',
      });

    if (type === 'helm' && strategy === 'bluegreen')
      problems.push({
        path: ['services', name, 'strategy'],
        message: 'a Helm upgrade replaces the release in place: set `strategy: rolling`',
      });
  }
  return problems;
};

export const RULES: Rule[] = [
  unknownEnvironments,
  triggerRules,
  uniqueNames,
  serviceNames,
  signalNeeds,
  ...ROLLBACK_RULES,
  haproxyInstalled,
  strategyRules,
  storeRules,
  siteRules,
  backupRules,
  freezeRules,
];
