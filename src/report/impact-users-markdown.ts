/** The opening lines of the report's Impact section: users affected, failing features, window, revenue estimate. */
import type { IncidentReport } from './incident-types.js';

type Table = (head: string[], rows: unknown[][]) => string[];

const count = (n: number): string => n.toLocaleString('en-US');
const utc = (at: number): string => new Date(at).toISOString().replace('T', ' ').replace('Z', '');

/** `Users affected: 137 of 4,210 served (3.3%)`, with the estimate's bound when there is one. */
export function usersAffectedLine(impact: IncidentReport['impact']): string | null {
  const { users } = impact;
  if (users === null) return null;
  const bound =
    users.errorBound > 0 || users.servedErrorBound > 0
      ? ` — an estimate: ±${count(users.errorBound)} affected, ±${count(users.servedErrorBound)} served`
      : '';
  return `Users affected: ${count(users.affected)} of ${count(users.served)} served (${(users.ratio * 100).toFixed(1)}%)${bound}`;
}

export function impactUsersMarkdown(impact: IncidentReport['impact'], table: Table): string[] {
  const lines: string[] = [];
  const line = usersAffectedLine(impact);
  if (line !== null && impact.users !== null) lines.push(`**${line}** (users told apart by ${impact.users.key}).`, '');
  else if (impact.measuredBy !== null)
    lines.push(`Users affected: not measured${impact.notMeasured ? ` — ${impact.notMeasured}` : ''}.`, '');
  if (impact.window !== null) lines.push(`Window: ${utc(impact.window.from)} → ${utc(impact.window.to)} UTC.`, '');
  const failing = impact.features.filter((f) => f.failedRequests > 0);
  if (failing.length > 0) {
    lines.push('Failing features:', '');
    lines.push(
      ...table(
        ['Feature', 'Users affected', 'Failed requests', 'Requests'],
        failing.map((f) => [
          f.name,
          impact.users === null ? '—' : count(f.usersAffected),
          count(f.failedRequests),
          count(f.requests),
        ]),
      ),
      '',
    );
  }
  if (impact.cost !== null) {
    const inputs =
      impact.cost.inputs.map((i) => `${count(i.count)} ${i.what} × ${i.price}`).join(' + ') || 'nothing priced failed';
    lines.push(
      `Revenue impact (an estimate): ${impact.cost.amount.toFixed(2)} ${impact.cost.currency} = ${inputs}.`,
      '',
    );
  }
  return lines;
}
