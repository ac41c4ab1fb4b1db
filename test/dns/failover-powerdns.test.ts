import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, runCli, tempProject, type Project } from '../helpers/cli.js';
import { missingPart } from '../harness/free-port.js';
import { dig, findBinary, startPowerDns, type PowerDnsServer } from '../harness/dns-servers.js';
import { failoverConfig, healthSite, type HealthSite } from './site-fixture.js';

const ready =
  Boolean(findBinary('pdns_server') && findBinary('dig')) ||
  missingPart('pdns-server with pdns-backend-sqlite3, and dig') !== 'skip';

describe.skipIf(!ready)('rewind failover with PowerDNS (HTTP API)', () => {
  let pdns: PowerDnsServer;
  let primary: HealthSite;
  let dr: HealthSite;
  let project: Project;
  const cli = (...args: string[]) =>
    runCli([...args, '-c', project.config], { cwd: project.dir, env: { PDNS_API_KEY: pdns.apiKey } });

  beforeAll(async () => {
    pdns = await startPowerDns({
      zone: 'example.test',
      records: [{ name: 'app.example.test', type: 'A', content: '127.0.0.1' }],
    });
    [primary, dr] = [await healthSite(), await healthSite()];
    project = tempProject('rewind-failover-pdns-');
    project.write(
      'rewind.yaml',
      failoverConfig({
        listen: `127.0.0.1:${await freePort()}`,
        primaryUrl: primary.url,
        drUrl: dr.url,
        dns: `  - name: zone
    type: powerdns
    url: ${pdns.apiUrl}
    apiKey: "\${PDNS_API_KEY}"
    serverId: localhost
    zone: example.test
    server: ${pdns.address}`,
        extra: 'failover: { drill: [ { dns: zone, name: drill.example.test, type: A } ] }\n',
      }),
    );
  }, 60_000);
  afterAll(async () => {
    await pdns?.stop();
    await primary?.close();
    await dr?.close();
    project?.cleanup();
  });

  it('the same plan: PowerDNS answers the standby, then the primary again; the API key is never shown', async () => {
    const dry = await cli('failover', '--to', 'dr', '--dry-run');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('point app.example.test at site dr (DNS provider zone, zone example.test)');
    expect(dig(pdns.port, 'app.example.test')).toEqual(['127.0.0.1']);

    const over = await cli('failover', '--to', 'dr', '--yes', '--json');
    expect(over.code, over.stderr).toBe(0);
    expect(dig(pdns.port, 'app.example.test')).toEqual(['127.0.0.2']);
    const result = JSON.parse(over.stdout) as {
      rollback: { status: string; steps: { name: string; output: string }[] };
    };
    expect(result.rollback.status).toBe('succeeded');
    expect(result.rollback.steps.find((s) => s.name === 'update-dns')?.output).toContain('one PATCH replaced');

    const back = await cli('failback', '--yes');
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout + back.stderr).toMatch(/failback .*: succeeded/);
    expect(dig(pdns.port, 'app.example.test')).toEqual(['127.0.0.1']);
    for (const text of [dry.stdout, over.stdout, over.stderr, back.stdout, back.stderr])
      expect(text).not.toContain(pdns.apiKey);
  }, 120_000);

  it('a failover drill moves only the drill name to the standby and back, and says how long it took', async () => {
    const drill = await cli('drill', 'production', '--failover', '--json');
    expect(drill.code, drill.stderr).toBe(0);
    const result = JSON.parse(drill.stdout) as {
      rollback: { kind: string; status: string; steps: { name: string; output: string }[] };
    };
    expect(result.rollback).toMatchObject({ kind: 'drill', status: 'succeeded' });
    const verified = result.rollback.steps.filter((s) => s.name === 'verify-dns').map((s) => s.output);
    expect(verified).toEqual([
      expect.stringContaining("answers site dr's records"),
      expect.stringContaining("answers site primary's records"),
    ]);
    expect(dig(pdns.port, 'drill.example.test')).toEqual(['127.0.0.1']);
    expect(dig(pdns.port, 'app.example.test')).toEqual(['127.0.0.1']);
    const human = await cli('drill', 'production', '--failover');
    expect(human.stdout + human.stderr).toMatch(/failover drill \S+: succeeded in \d+ ms/);
  }, 120_000);
});
