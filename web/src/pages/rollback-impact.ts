import type { IncidentReport } from '../../../src/report/index.js';
import { h, table } from '../dom.js';
import { time } from '../format.js';

const count = (n: number): string => n.toLocaleString('en-US');

/** What users of the bad release met: users affected of served, the failing features, the window, the cost estimate. */
export function impactSection(report: IncidentReport): HTMLElement[] {
  const { impact } = report;
  const out: HTMLElement[] = [h('h2', {}, 'Impact')];
  const { users } = impact;
  if (users !== null) {
    const bound = users.errorBound > 0 ? ` (estimate ±${count(users.errorBound)})` : '';
    out.push(
      h(
        'p',
        { class: 'users-affected' },
        `Users affected: ${count(users.affected)} of ${count(users.served)} served (${(users.ratio * 100).toFixed(1)}%)${bound}`,
        h('span', { class: 'muted' }, ` · users told apart by ${users.key}`),
      ),
    );
  } else {
    out.push(
      h('p', { class: 'muted users-affected' }, `Users affected: not measured — ${impact.notMeasured ?? 'no count'}`),
    );
  }
  if (impact.failedRequests !== null)
    out.push(
      h(
        'p',
        {},
        `Failed requests: ${count(impact.failedRequests)} of ${count(impact.totalRequests ?? 0)}`,
        impact.failedAttempts !== null ? ` · failed attempts, retries included: ${count(impact.failedAttempts)}` : '',
      ),
    );
  if (impact.window !== null)
    out.push(h('p', { class: 'muted' }, `window ${time(impact.window.from)} → ${time(impact.window.to)}`));
  const failing = impact.features.filter((f) => f.failedRequests > 0);
  if (failing.length > 0)
    out.push(
      table(
        ['feature', 'users affected', 'failed requests', 'requests'],
        failing.map((f) => [
          f.name,
          users === null ? '—' : count(f.usersAffected),
          count(f.failedRequests),
          count(f.requests),
        ]),
        { class: 'features' },
      ),
    );
  if (impact.cost !== null)
    out.push(
      h(
        'p',
        {},
        `Revenue impact (an estimate): ${impact.cost.amount.toFixed(2)} ${impact.cost.currency} = ${
          impact.cost.inputs.map((i) => `${count(i.count)} ${i.what} × ${i.price}`).join(' + ') ||
          'nothing priced failed'
        }`,
      ),
    );
  return out;
}
