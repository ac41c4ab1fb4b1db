import { list, type Problem, type Rule } from './rule-kit.js';
import type { Path } from './yaml-source.js';

/**
 * Cross-field checks of the keys that span services: `dependsOn` and `groups`
 * name declared services and form no cycle, and a `flag-off` rule names its
 * flag. Defensive like every rule: any section may be malformed.
 */
const FLAG = /^[A-Za-z_][A-Za-z0-9_]*$/;

const dependencies: Rule = (config) => {
  const services = config.services && typeof config.services === 'object' ? config.services : {};
  const known = Object.keys(services);
  const problems: Problem[] = [];
  const unknown = (name: unknown, path: Path): void => {
    if (typeof name === 'string' && !known.includes(name))
      problems.push({ path, message: `unknown service "${name}" (declared: ${known.join(', ') || 'none'})` });
  };
  for (const [name, service] of Object.entries(services)) {
    list(service?.dependsOn).forEach((dep, i) => {
      unknown(dep, ['services', name, 'dependsOn', i]);
      if (dep === name)
        problems.push({ path: ['services', name, 'dependsOn', i], message: 'a service cannot depend on itself' });
    });
  }
  for (const [group, members] of Object.entries(config.groups ?? {}))
    list(members).forEach((member, i) => unknown(member, ['groups', group, i]));
  // a cycle has no order to roll back in
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, trail: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(name)), name];
      problems.push({ path: ['services', name, 'dependsOn'], message: `dependency cycle: ${cycle.join(' → ')}` });
      return;
    }
    state.set(name, 'visiting');
    for (const dep of list(services[name]?.dependsOn)) if (known.includes(dep)) visit(dep, [...trail, name]);
    state.set(name, 'done');
  };
  for (const name of known) visit(name, []);
  return problems;
};

const flagRules: Rule = (config) => {
  const problems: Problem[] = [];
  const check = (rule: { action?: unknown; flag?: unknown } | undefined, path: Path): void => {
    if (rule?.action === 'flag-off' && !(typeof rule.flag === 'string' && FLAG.test(rule.flag)))
      problems.push({
        path: [...path, 'flag'],
        message: 'action flag-off needs `flag`: the environment variable to turn off',
      });
    if (rule?.action !== 'flag-off' && rule?.flag !== undefined)
      problems.push({ path: [...path, 'flag'], message: '`flag` only applies to action flag-off' });
  };
  list(config.policy?.matrix).forEach((rule, i) => check(rule, ['policy', 'matrix', i]));
  for (const [env, environment] of Object.entries(config.environments ?? {}))
    list(environment?.policy?.matrix).forEach((rule, i) => check(rule, ['environments', env, 'policy', 'matrix', i]));
  return problems;
};

export const ROLLBACK_RULES: Rule[] = [dependencies, flagRules];
