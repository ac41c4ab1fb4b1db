/**
 * The report's users part from a recorded `rollback.impact`: users affected of
 * served with the bound, failing features, "not measured" with the reason when
 * no user key is set, and the revenue line as an estimate with its inputs.
 */
import { describe, expect, it } from 'vitest';
import { estimateCost, impactUsersPart } from '../../src/report/impact-users.js';
import { impactUsersMarkdown, usersAffectedLine } from '../../src/report/impact-users-markdown.js';
import type { IncidentReport } from '../../src/report/index.js';

const features = [
  { name: 'checkout', usersAffected: 137, failedRequests: 300, usersServed: 900, requests: 5000 },
  { name: 'other', usersAffected: 3, failedRequests: 4, usersServed: 4000, requests: 20000 },
];
const recorded = {
  measured: true,
  source: 'local',
  failedRequests: 304,
  totalRequests: 25000,
  failedAttempts: 351,
  countedFrom: Date.UTC(2026, 10, 21, 14, 0, 0),
  countedUntil: Date.UTC(2026, 10, 21, 14, 5, 0),
  users: {
    key: 'header X-User-Id',
    affected: 137,
    served: 4210,
    ratio: 137 / 4210,
    errorBound: 0,
    servedErrorBound: 206,
  },
  features,
  usersNotMeasured: null,
};
const table = (head: string[], rows: unknown[][]) => [head.join('|'), ...rows.map((r) => r.join('|'))];

describe('impact in users', () => {
  it('opens with users affected of served, the bound, the window and the failing features', () => {
    const part = impactUsersPart(recorded, 304, undefined);
    expect(part.users).toEqual(recorded.users);
    expect(part.failedAttempts).toBe(351);
    expect(part.window).toEqual({ from: recorded.countedFrom, to: recorded.countedUntil });
    const impact = { ...part, measuredBy: 'local', notMeasured: null } as unknown as IncidentReport['impact'];
    expect(usersAffectedLine(impact)).toBe(
      'Users affected: 137 of 4,210 served (3.3%) — an estimate: ±0 affected, ±206 served',
    );
    const lines = impactUsersMarkdown(impact, table);
    expect(lines).toContain('Window: 2026-11-21 14:00:00.000 → 2026-11-21 14:05:00.000 UTC.');
    expect(lines).toContain('checkout|137|300|5,000');
  });

  it('says why users were not counted when no key is set', () => {
    const part = impactUsersPart(
      { ...recorded, users: null, usersNotMeasured: 'no user key: set services.api.users' },
      304,
      undefined,
    );
    expect(part.users).toBeNull();
    expect(part.usersNotMeasured).toBe('no user key: set services.api.users');
  });

  it('prices failed requests per feature, the rest at the default price, labelled an estimate', () => {
    expect(
      estimateCost({ perFailedRequest: 0.1, perFeature: { checkout: 2.5 }, currency: 'EUR' }, 304, features),
    ).toEqual({
      estimate: true,
      amount: 750.4,
      currency: 'EUR',
      inputs: [
        { what: 'failed checkout requests', count: 300, price: 2.5 },
        { what: 'other failed requests', count: 4, price: 0.1 },
      ],
    });
    expect(estimateCost(undefined, 304, features)).toBeNull();
  });
});
