import { describe, expect, it } from 'vitest';
import { decideSiteDown } from '../../src/core/site-down.js';

const standbys = (dr: boolean, backup: boolean) => [
  { name: 'dr', healthy: dr, detail: dr ? 'answered 200' : 'answered 503, expected 200' },
  { name: 'backup', healthy: backup, detail: backup ? 'answered 200' : 'did not answer: ECONNREFUSED' },
];

describe('decideSiteDown', () => {
  it('asks by default, naming the command for the first healthy standby', () => {
    const decision = decideSiteDown({
      primary: 'primary',
      failures: 3,
      standbys: standbys(false, true),
      onSiteDown: 'ask',
    });
    expect(decision).toEqual({
      action: 'ask',
      to: 'backup',
      reason:
        'site primary failed 3 health checks in a row; site backup is healthy — fail over with: rewind failover --to backup',
    });
  });

  it('fails over when the policy says so', () => {
    expect(
      decideSiteDown({ primary: 'primary', failures: 3, standbys: standbys(true, true), onSiteDown: 'failover' }),
    ).toMatchObject({
      action: 'failover',
      to: 'dr',
    });
  });

  it('escalates when no standby is healthy either, whatever the policy', () => {
    const decision = decideSiteDown({
      primary: 'primary',
      failures: 4,
      standbys: standbys(false, false),
      onSiteDown: 'failover',
    });
    expect(decision.action).toBe('escalate');
    expect(decision.reason).toContain('dr: answered 503, expected 200; backup: did not answer: ECONNREFUSED');
  });
});
