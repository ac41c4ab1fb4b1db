import { BUILTIN_METRICS } from './metrics.js';
import { SEQUENTIAL_METRICS } from '../core/policy/sequential-trigger.js';
import { duplicates, entries, list, type Problem, type Rule } from './rule-kit.js';
import type { Path } from './yaml-source.js';

/** metrics that need a user key to be counted */
const USER_METRICS: readonly string[] = ['usersAffected', 'usersAffectedRatio', 'usersServed'];

/**
 * Each service's triggers name a known metric (built-in or a provider query) and
 * exactly one bound, sequential evidence only where per-request samples exist;
 * trigger names are unique; the service's database is declared; canary steps rise to 100.
 */
export const triggerRules: Rule = (config) => {
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
      if (USER_METRICS.includes(trigger.metric) && trigger.source === undefined && service?.users === undefined) {
        problems.push({
          path: [...path, 'metric'],
          message: `${trigger.metric} counts users: expected services.${name}.users (header, cookie, jwtClaim or clientAddress)`,
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
