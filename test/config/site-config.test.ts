import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../src/config/issues.js';
import { checkConfig } from '../../src/config/load.js';

const base = (dns: string, sites: string, extra = '') => `version: 1
environments:
  production: {}
services: {}
dns:
${dns}
sites:
${sites}
${extra}`;

const ZONE = `  - name: zone
    type: rfc2136
    server: 127.0.0.1:5353
    zone: example.test
    tsig: { name: rewind-key, algorithm: hmac-sha256, secret: "\${TSIG_SECRET}" }`;
const SITES = `  primary:
    health: { url: "http://127.0.0.1:8080/health/ready" }
    records: [ { dns: zone, name: app.example.test, type: A, values: [127.0.0.1], ttl: 5 } ]
  dr:
    health: { url: "http://127.0.0.1:9090/health/ready" }
    records: [ { dns: zone, name: app.example.test, type: A, values: [127.0.0.2], ttl: 5 } ]`;
const env = { TSIG_SECRET: 'c2VjcmV0LXZhbHVlLWZvci10ZXN0cw==' };

const problems = (yaml: string) => checkConfig('r.yaml', yaml, env).issues.map(formatIssue).join('\n');

describe('dns: and sites: in rewind.yaml', () => {
  it('accepts the failover contract shapes, with defaults filled in', () => {
    const { config, issues } = checkConfig('r.yaml', base(ZONE, SITES), env);
    expect(issues).toEqual([]);
    expect(config?.dns[0]).toMatchObject({ type: 'rfc2136', transport: 'tcp', tsig: { secret: env.TSIG_SECRET } });
    expect(config?.sites.dr?.health).toEqual({ url: 'http://127.0.0.1:9090/health/ready', status: 200, timeout: '5s' });
  });

  it('names an unknown provider, a name outside the zone and an unknown database, all at once', () => {
    const sites = SITES.replace(
      '{ dns: zone, name: app.example.test, type: A, values: [127.0.0.2]',
      '{ dns: zones, name: app.example.test, type: A, values: [127.0.0.2]',
    )
      .replace(
        'name: app.example.test, type: A, values: [127.0.0.1]',
        'name: app.other.test, type: A, values: [127.0.0.1]',
      )
      .concat('\n    restoreDatabase: nope');
    const text = problems(base(ZONE, sites));
    expect(text).toContain('sites.dr.records[0].dns: unknown DNS provider "zones" (declared in dns: zone)');
    expect(text).toContain(
      'sites.primary.records[0].name: "app.other.test" is not in zone example.test of DNS provider "zone"',
    );
    expect(text).toContain('sites.dr.restoreDatabase: unknown database "nope"');
  });

  it('rejects a secret that is not base64, a bad type and a failover primary that is not a site', () => {
    const zone = ZONE.replace('"${TSIG_SECRET}"', '"not base64!"').replace('type: rfc2136', 'type: route53');
    expect(problems(base(zone, SITES))).toMatch(/dns\[0\]\.type/);
    const text = problems(
      base(ZONE.replace('"${TSIG_SECRET}"', '"not base64!"'), SITES, 'failover: { primary: main }\n'),
    );
    expect(text).toContain('dns[0].tsig.secret: expected the base64 secret');
    expect(text).toContain('failover.primary: unknown site "main" (declared: primary, dr)');
  });
});
