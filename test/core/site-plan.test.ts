import { describe, expect, it } from 'vitest';
import { planSiteSwitch, type SitePlanInput } from '../../src/core/site-plan.js';

const base: SitePlanInput = {
  from: 'primary',
  to: 'dr',
  health: { url: 'http://127.0.0.1:9090/health/ready', status: 200, timeoutMs: 5000 },
  force: false,
  restore: null,
  changes: [
    {
      provider: 'zone',
      zone: 'example.test',
      records: [{ name: 'app.example.test', type: 'A', values: ['127.0.0.2'], ttl: 5 }],
    },
    {
      provider: 'other',
      zone: 'other.test',
      records: [{ name: 'www.other.test', type: 'CNAME', values: ['dr.other.test'], ttl: 60 }],
    },
  ],
  oldTtlSeconds: 60,
  verifyTimeoutMs: 120_000,
};

describe('planSiteSwitch', () => {
  it('checks health first, one update and one verification per zone, the TTL wait, then the announcement', () => {
    const plan = planSiteSwitch(base);
    expect(plan.map((s) => s.name)).toEqual([
      'check-site',
      'update-dns',
      'verify-dns',
      'update-dns',
      'verify-dns',
      'await-ttl',
      'notify',
    ]);
    expect(plan.filter((s) => s.name === 'verify-dns').map((s) => s.params.last)).toEqual([false, true]);
    expect(plan.find((s) => s.name === 'await-ttl')).toMatchObject({ params: { seconds: 60 }, onFailure: 'continue' });
  });

  it('restores the database before any record changes and lifts read-only only after verification', () => {
    const plan = planSiteSwitch({ ...base, restore: { database: 'app', backupId: 'bk_1' } });
    const names = plan.map((s) => s.name);
    expect(names.indexOf('restore')).toBeLessThan(names.indexOf('update-dns'));
    expect(names.lastIndexOf('verify-dns')).toBeLessThan(names.indexOf('read-write'));
  });

  it('a drill moves the drill names there and back and never restores or waits', () => {
    const back = [
      {
        provider: 'zone',
        zone: 'example.test',
        records: [{ name: 'drill.example.test', type: 'A' as const, values: ['127.0.0.1'], ttl: 5 }],
      },
    ];
    const plan = planSiteSwitch({
      ...base,
      changes: [back[0]!],
      restore: { database: 'app', backupId: 'bk_1' },
      drill: { back },
    });
    expect(plan.map((s) => s.name)).toEqual(['check-site', 'update-dns', 'verify-dns', 'update-dns', 'verify-dns']);
    expect(plan[3]?.params.site).toBe('primary');
  });
});
