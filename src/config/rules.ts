import { BUILTIN_METRICS } from './metrics.js';
import { ROLLBACK_RULES } from './rollback-rules.js';
import { SEQUENTIAL_METRICS } from '../core/policy/sequential-trigger.js';
import { MISSING_HAPROXY, findHaproxy } from '../proxy/haproxy/binary.js';
import type { RewindConfig } from './schema/index.js';
import type { Path } from './yaml-source.js';

/**
 * A cross-field check: returns every problem it finds, never stops at the first.
 * Rules also run on a file that failed the schema (to report everything at once),
 * so they read defensively: any section may be missing or malformed.
 */
export type Rule = (config: RewindConfig) => { path: Path; message: string; severity?: 'error' | 'warning' }[];

type Problem = ReturnType<Rule>[number];

const list = <T>(value: T[] | undefined | null): T[] => (Array.isArray(value) ? value : []);
const entries = <T>(value: Record<string, T> | undefined | null): [string, T][] =>
  value && typeof value === 'object' ? Object.entries(value) : [];

const duplicates = <T>(items: T[], key: (item: T) => string | undefined): number[] => {
  const seen = new Set<string>();
  const out: number[] = [];
  items.forEach((item, i) => {
    const k = key(item);
    if (k === undefined) return;
    if (seen.has(k)) out.push(i);
    seen.add(k);
  });
  return out;
};

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

const triggerRules: Rule = (config) => {
  const providers = new Map(list(config.providers).map((p) => [p?.name, Object.keys(p?.queries ?? {})]));
  const providerMetrics = [...providers.values()].flat();
  const problems: Problem[] = [];
  for (const [name, service] of entries(config.services)) {
    const triggers = list(service?.triggers);
    triggers.forEach((trigger, i) => {
      if (typeof trigger?.metric !== 'string') return;
      const path: Path = ['services', name, 'triggers', i];
      if (trigger.source !== undefined && !providers.has(trigger.source)) {
        problems.push({
          path: [...path, 'source'],
          message: `unknown provider "${trigger.source}" (declared: ${[...providers.keys()].join(', ') || 'none'})`,
        });
      } else if (
        trigger.source !== undefined
          ? !providers.get(trigger.source)?.includes(trigger.metric)
          : !(BUILTIN_METRICS as readonly string[]).includes(trigger.metric) &&
            !providerMetrics.includes(trigger.metric)
      ) {
        problems.push({
          path: [...path, 'metric'],
          message: `unknown metric "${trigger.metric}" (expected one of ${BUILTIN_METRICS.join(', ')}, or a provider query)`,
        });
      }
      if ((trigger.above === undefined) === (trigger.below === undefined)) {
        problems.push({ path, message: 'expected exactly one of "above" or "below"' });
      }
      if (trigger.evidence === 'sequential') {
        if (!(SEQUENTIAL_METRICS as readonly string[]).includes(trigger.metric) || trigger.source !== undefined) {
          problems.push({
            path: [...path, 'evidence'],
            message: `sequential evidence needs per-request samples: expected a built-in ${SEQUENTIAL_METRICS.join(', ')} trigger, got ${trigger.source ? `provider ${trigger.source} ` : ''}${trigger.metric}`,
          });
        } else if (trigger.above === undefined) {
          problems.push({
            path: [...path, 'evidence'],
            message: 'sequential evidence tests a rate above a threshold: expected "above"',
          });
        } else if (trigger.metric === 'errorRate' && !(trigger.above > 0 && trigger.above < 1)) {
          problems.push({
            path: [...path, 'above'],
            message: `expected an error rate between 0 and 1 for sequential evidence, got ${trigger.above}`,
          });
        }
      }
    });
    for (const i of duplicates(triggers, (t) => t?.name)) {
      problems.push({
        path: ['services', name, 'triggers', i, 'name'],
        message: `duplicate trigger name "${triggers[i]?.name}"`,
      });
    }
    if (typeof service?.database === 'string' && !(service.database in (config.databases ?? {}))) {
      problems.push({
        path: ['services', name, 'database'],
        message: `unknown database "${service.database}" (declared: ${Object.keys(config.databases ?? {}).join(', ') || 'none'})`,
      });
    }
    const steps = service?.canary?.steps;
    const wellFormed = Array.isArray(steps) && steps.length > 0 && steps.every((x) => typeof x === 'number');
    if (wellFormed && (steps.at(-1) !== 100 || steps.some((s, i) => i > 0 && s <= (steps[i - 1] as number)))) {
      problems.push({
        path: ['services', name, 'canary', 'steps'],
        message: `expected increasing percents ending at 100, got [${steps.join(', ')}]`,
      });
    }
  }
  return problems;
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
    if (service?.driver?.type !== 'local' || typeof service.driver.listen !== 'string') continue;
    // one traffic switch per front door: a second environment on it would serve the other's release
    const served = Array.isArray(service.environments) ? service.environments : declared;
    if (served.length > 1)
      problems.push({
        path: ['services', name, 'driver', 'listen'],
        message: `one front door (${service.driver.listen}) cannot serve ${served.length} environments (${served.join(', ')}): set services.${name}.environments to one, and give each environment its own service and listen address`,
      });
    const other = listens.get(service.driver.listen);
    if (other)
      problems.push({
        path: ['services', name, 'driver', 'listen'],
        message: `address ${service.driver.listen} is already the front door of service "${other}"`,
      });
    listens.set(service.driver.listen, name);
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
      service?.driver?.type !== 'local' &&
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
];
