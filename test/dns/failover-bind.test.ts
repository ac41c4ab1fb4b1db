import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, runCli, tempProject, type Project } from '../helpers/cli.js';
import { missingPart } from '../harness/free-port.js';
import { dig, findBinary, newTsigSecret, startBind, type DnsTestServer } from '../harness/dns-servers.js';
import { failoverConfig, healthSite, type HealthSite } from './site-fixture.js';

const ready = Boolean(findBinary('named') && findBinary('dig')) || missingPart('bind9 (named) and dig') !== 'skip';

interface Switched {
  from: string | null;
  to: string;
  rollback: {
    id: string;
    status: string;
    error: string | null;
    steps: { name: string; status: string; startedAt: number | null; finishedAt: number | null }[];
  };
}

describe.skipIf(!ready)('rewind failover with BIND (RFC 2136 + TSIG)', () => {
  const secret = newTsigSecret();
  let bind: DnsTestServer;
  let primary: HealthSite;
  let dr: HealthSite;
  let project: Project;
  const env = { TSIG_SECRET: secret };
  const cli = (...args: string[]) => runCli([...args, '-c', project.config], { cwd: project.dir, env });

  beforeAll(async () => {
    bind = await startBind({ zone: 'example.test', records: ['app IN A 127.0.0.1'], keyName: 'rewind-key', secret });
    [primary, dr] = [await healthSite(), await healthSite()];
    project = tempProject('rewind-failover-');
    project.write(
      'rewind.yaml',
      failoverConfig({
        listen: `127.0.0.1:${await freePort()}`,
        primaryUrl: primary.url,
        drUrl: dr.url,
        dns: `  - name: zone
    type: rfc2136
    server: ${bind.address}
    zone: example.test
    tsig: { name: rewind-key, algorithm: hmac-sha256, secret: "\${TSIG_SECRET}" }`,
      }),
    );
  }, 60_000);
  afterAll(async () => {
    await bind?.stop();
    await primary?.close();
    await dr?.close();
    project?.cleanup();
  });

  it('refuses a failover to an unhealthy standby and leaves the zone unchanged', async () => {
    dr.status = 503;
    const result = await cli('failover', '--to', 'dr', '--yes', '--json');
    dr.status = 200;
    expect(result.code, result.stderr).not.toBe(0);
    const out = JSON.parse(result.stdout) as Switched;
    expect(out.rollback.steps[0]).toMatchObject({ name: 'check-site', status: 'failed' });
    expect(out.rollback.steps.slice(1).every((s) => s.status === 'pending')).toBe(true);
    expect(out.rollback.error).toMatch(/site dr is not healthy: .* answered 503, expected 200/);
    expect(dig(bind.port, 'app.example.test')).toEqual(['127.0.0.1']);
  }, 60_000);

  it('fails over to dr, verified at BIND, and back; journal and report show each step and the times', async () => {
    const over = await cli('failover', '--to', 'dr', '--yes', '--json');
    expect(over.code, over.stderr).toBe(0);
    expect(dig(bind.port, 'app.example.test')).toEqual(['127.0.0.2']);
    const result = JSON.parse(over.stdout) as Switched;
    expect(result).toMatchObject({ from: 'primary', to: 'dr' });
    expect(result.rollback.status).toBe('succeeded');
    expect(result.rollback.steps.map((s) => [s.name, s.status])).toEqual([
      ['check-site', 'done'],
      ['update-dns', 'done'],
      ['verify-dns', 'done'],
      ['await-ttl', 'done'],
      ['notify', 'done'],
    ]);
    for (const step of result.rollback.steps)
      expect(step.finishedAt).toBeGreaterThanOrEqual(step.startedAt ?? Infinity);

    const back = await cli('failback', '--yes', '--json');
    expect(back.code, back.stderr).toBe(0);
    expect(JSON.parse(back.stdout)).toMatchObject({ from: 'dr', to: 'primary', rollback: { status: 'succeeded' } });
    expect(dig(bind.port, 'app.example.test')).toEqual(['127.0.0.1']);

    const report = await cli('report', result.rollback.id, '--format', 'json');
    expect(report.code, report.stderr).toBe(0);
    const parsed = JSON.parse(report.stdout) as {
      recovery: { times: { trafficRestoredAt: number | null; decidedAt: number | null } };
    };
    expect(parsed.recovery.times.trafficRestoredAt).toBeGreaterThan(parsed.recovery.times.decidedAt ?? Infinity);
    const incidents = readdirSync(join(project.dir, '.rewind', 'incidents'));
    const written = incidents.find((f) => f.includes(result.rollback.id));
    expect(written).toBeDefined();
    const markdown = readFileSync(join(project.dir, '.rewind', 'incidents', written as string), 'utf8');
    expect(markdown).toContain('point app.example.test at site dr');
    const state = readFileSync(join(project.dir, '.rewind', 'state.db')).toString('latin1');
    for (const text of [over.stdout, over.stderr, back.stdout, back.stderr, report.stdout, markdown, state])
      expect(text).not.toContain(secret);
  }, 120_000);

  it('a wrong TSIG key: BIND refuses, the plan fails at the DNS step naming provider and zone, zone unchanged', async () => {
    const wrong = await runCli(['failover', '--to', 'dr', '--yes', '--json', '-c', project.config], {
      cwd: project.dir,
      env: { TSIG_SECRET: newTsigSecret() },
    });
    expect(wrong.code).not.toBe(0);
    const out = JSON.parse(wrong.stdout) as Switched;
    const failed = out.rollback.steps.find((s) => s.status === 'failed');
    expect(failed?.name).toBe('update-dns');
    expect(out.rollback.error).toMatch(/dns provider "zone" \(rfc2136, zone example\.test .*NOTAUTH/);
    expect(dig(bind.port, 'app.example.test')).toEqual(['127.0.0.1']);
  }, 60_000);
});
