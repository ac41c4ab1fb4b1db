/**
 * The config keys this work added: smoke tests, smokeBaseUrl,
 * trigger `window`, canary.judge, and the rules about what signals need.
 */
import { describe, expect, it } from 'vitest';
import { checkConfig } from '../../src/config/load.js';
import { effectivePolicy, triggerSpecs } from '../../src/app/policy/effective.js';

const yaml = (service: string, extra = '') => `version: 1
environments:
  production: {}
  staging:
    policy:
      automatic: false
      matrix:
        - { name: staging-quiet, match: { severity: [high] }, action: alert }
services:
  api:
    driver: { type: command, start: [a], shiftTraffic: [b], retire: [c] }
${service}
${extra}`;

describe('config for policy, smoke and signals', () => {
  it('reads smoke tests, trigger windows and the canary judge', () => {
    const { config, issues } = checkConfig(
      'rewind.yaml',
      yaml(`    smokeBaseUrl: http://127.0.0.1:9000
    smoke:
      - { name: home, path: /, expect: { status: 200, bodyContains: ok, maxMs: 500 } }
    canary: { steps: [10, 100], judge: { severity: critical } }
    triggers:
      - { metric: errorRate, above: 0.1, for: 5s, severity: high }
      - { name: drop, metric: throughputRatio, below: 0.5, window: 30s }`),
    );
    expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
    const api = config?.services.api;
    expect(api?.smoke[0]).toMatchObject({
      name: 'home',
      method: 'GET',
      expect: { status: 200, bodyContains: 'ok', maxMs: 500 },
    });
    expect(api?.canary.judge).toEqual({ enabled: true, severity: 'critical', fireOn: 'fail' });
    const specs = triggerSpecs(api!, 0.5);
    expect(specs[0]).toMatchObject({ name: 'errorRate-above-0.1', above: 0.05, forMs: 5000, windowMs: 5000 });
    expect(specs[1]).toMatchObject({ name: 'drop', below: 1, windowMs: 30_000 });
  });

  it('merges environment policy overrides and puts their rules first', () => {
    const { config } = checkConfig('rewind.yaml', yaml('', 'policy: { approvalTimeout: 2m, onTimeout: rollback }'));
    const staging = effectivePolicy(config!, 'staging');
    expect(staging.automatic).toBe(false);
    expect(staging.matrix.environments?.staging?.[0]).toMatchObject({ name: 'staging-quiet', action: 'alert' });
    const production = effectivePolicy(config!, 'production');
    expect(production.automatic).toBe(true);
    const ask = production.matrix.default.find((r) => r.action === 'ask');
    expect(ask).toMatchObject({ approvalTimeoutMs: 120_000, onTimeout: 'rollback' });
  });

  it('says what a signal needs', () => {
    const { issues } = checkConfig(
      'rewind.yaml',
      yaml(`    smoke: [{ name: home, path: / }]
    triggers: [{ metric: dbConnectionsPercent, above: 80 }]`),
    );
    expect(issues.find((i) => i.path.endsWith('smoke'))).toMatchObject({ severity: 'warning' });
    expect(issues.find((i) => i.message.includes('dbConnectionsPercent'))).toMatchObject({ severity: 'error' });
    const bad = checkConfig('rewind.yaml', yaml('    smoke: [{ name: home, path: nope }]'));
    expect(bad.issues.some((i) => i.message.includes('expected a path starting with "/"'))).toBe(true);
  });
});
