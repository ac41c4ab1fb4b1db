/**
 * Checks a decision matrix before it is used, collecting every
 * problem at once (STYLE.md §5) with the key path of each, so a user fixes
 * the whole policy in one go.
 */
import { UserError } from '../errors.js';
import type { DecisionMatrix, MatrixRule } from './matrix.js';
import { DECISION_ACTIONS } from './matrix.js';
import { SEVERITIES } from './trigger-spec.js';

const ON_TIMEOUT = ['rollback', 'escalate', 'ignore'];
const MATCH_KEYS = ['severity', 'trigger', 'metric', 'environment'];

function ruleProblems(rule: MatrixRule, at: string): string[] {
  const problems: string[] = [];
  if (rule === null || typeof rule !== 'object') return [`${at}: expected a rule object`];
  if (!DECISION_ACTIONS.includes(rule.action))
    problems.push(`${at}.action: expected one of ${DECISION_ACTIONS.join(', ')}`);
  if (rule.action === 'flag-off' && (typeof rule.flag !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(rule.flag)))
    problems.push(`${at}.flag: action flag-off needs the flag to turn off (an environment variable name)`);
  if (rule.action !== 'flag-off' && rule.flag !== undefined)
    problems.push(`${at}.flag: only applies to action flag-off`);
  if (rule.name !== undefined && (typeof rule.name !== 'string' || rule.name === ''))
    problems.push(`${at}.name: expected a non-empty string`);
  if (rule.match === null || typeof rule.match !== 'object') {
    problems.push(`${at}.match: expected an object (use {} to match every trigger)`);
  } else {
    for (const [key, list] of Object.entries(rule.match)) {
      if (!MATCH_KEYS.includes(key))
        problems.push(`${at}.match.${key}: unknown key; expected ${MATCH_KEYS.join(', ')}`);
      else if (!Array.isArray(list) || list.length === 0 || list.some((v) => typeof v !== 'string')) {
        problems.push(`${at}.match.${key}: expected a non-empty list of strings`);
      } else if (key === 'severity') {
        const bad = list.filter((v) => !(SEVERITIES as readonly string[]).includes(v));
        if (bad.length > 0)
          problems.push(`${at}.match.severity: ${bad.join(', ')} is not one of ${SEVERITIES.join(', ')}`);
      }
    }
  }
  if (rule.notify !== undefined && (!Array.isArray(rule.notify) || rule.notify.some((v) => typeof v !== 'string'))) {
    problems.push(`${at}.notify: expected a list of channel names`);
  }
  if (
    rule.approvalTimeoutMs !== undefined &&
    !(Number.isInteger(rule.approvalTimeoutMs) && rule.approvalTimeoutMs > 0)
  ) {
    problems.push(`${at}.approvalTimeoutMs: expected a positive whole number of milliseconds`);
  }
  if (rule.onTimeout !== undefined && !ON_TIMEOUT.includes(rule.onTimeout))
    problems.push(`${at}.onTimeout: expected one of ${ON_TIMEOUT.join(', ')}`);
  if (rule.action !== 'ask' && (rule.approvalTimeoutMs !== undefined || rule.onTimeout !== undefined)) {
    problems.push(`${at}: approvalTimeoutMs and onTimeout only apply to action ask`);
  }
  return problems;
}

/** Returns the matrix unchanged, or throws one `UserError` (code `INVALID_POLICY`) listing every problem. */
export function validateMatrix(matrix: DecisionMatrix, path = 'policy.matrix'): DecisionMatrix {
  const problems: string[] = [];
  if (!Array.isArray(matrix?.default)) problems.push(`${path}.default: expected a list of rules`);
  else matrix.default.forEach((rule, i) => problems.push(...ruleProblems(rule, `${path}.default[${i}]`)));
  for (const [environment, rules] of Object.entries(matrix?.environments ?? {})) {
    if (!Array.isArray(rules)) problems.push(`${path}.environments.${environment}: expected a list of rules`);
    else rules.forEach((rule, i) => problems.push(...ruleProblems(rule, `${path}.environments.${environment}[${i}]`)));
  }
  if (problems.length > 0) {
    throw new UserError(
      'INVALID_POLICY',
      `the decision matrix has ${problems.length} problem(s):\n  ${problems.join('\n  ')}`,
      {
        exitCode: 2,
        details: problems,
      },
    );
  }
  return matrix;
}
