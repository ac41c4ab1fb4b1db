/**
 * `rewind policy explain`: the matrix as rows a person can read,
 * in the order rules are tried for each environment.
 */
import { formatDuration } from '../duration.js';
import type { DecisionMatrix } from './matrix.js';
import { DEFAULT_APPROVAL_TIMEOUT_MS, DEFAULT_ON_TIMEOUT, describeMatch, rulesFor } from './matrix.js';

export interface MatrixRow {
  environment: string;
  /** 1-based position in the order rules are tried */
  order: number;
  rule: string;
  /** "severity high and metric errorRate" */
  when: string;
  action: string;
  notify: string[];
  /** "15m 0s, then escalate" for ask rules, empty otherwise */
  approval: string;
  /** where the rule comes from: the environment's own list or the default list */
  from: 'environment' | 'default';
}

/**
 * Rows for each environment named (default: every environment with its own
 * rules, and `*` for the default list alone).
 */
export function explainMatrix(matrix: DecisionMatrix, environments?: string[]): MatrixRow[] {
  const names = environments ?? [...Object.keys(matrix.environments ?? {}), '*'];
  const rows: MatrixRow[] = [];
  for (const environment of names) {
    const ownCount = environment === '*' ? 0 : (matrix.environments?.[environment]?.length ?? 0);
    const rules =
      environment === '*' ? rulesFor({ default: matrix.default }, environment) : rulesFor(matrix, environment);
    rules.forEach(({ id, rule }, index) => {
      const asking = rule.action === 'ask';
      rows.push({
        environment,
        order: index + 1,
        rule: id,
        when: describeMatch(rule.match),
        action: rule.action,
        notify: rule.notify ?? [],
        approval: asking
          ? `${formatDuration(rule.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS)}, then ${rule.onTimeout ?? DEFAULT_ON_TIMEOUT}`
          : '',
        from: index < ownCount ? 'environment' : 'default',
      });
    });
  }
  return rows;
}
