/** Cross-field checks of `freezes`: the environments and services they name exist, names are unique. */
import { duplicates, entries, list, type Problem, type Rule } from './rule-kit.js';

export const freezeRules: Rule = (config) => {
  const problems: Problem[] = [];
  const environments = entries(config.environments).map(([name]) => name);
  const services = entries(config.services).map(([name]) => name);
  const freezes = list(config.freezes);
  freezes.forEach((freeze, i) => {
    list(freeze?.environments).forEach((env, j) => {
      if (!environments.includes(env))
        problems.push({
          path: ['freezes', i, 'environments', j],
          message: `unknown environment "${env}" (declared: ${environments.join(', ') || 'none'})`,
        });
    });
    list(freeze?.services).forEach((service, j) => {
      if (!services.includes(service))
        problems.push({
          path: ['freezes', i, 'services', j],
          message: `unknown service "${service}" (declared: ${services.join(', ') || 'none'})`,
        });
    });
  });
  for (const i of duplicates(freezes, (f) => f?.name))
    problems.push({ path: ['freezes', i, 'name'], message: `duplicate freeze name "${freezes[i]?.name}"` });
  return problems;
};
