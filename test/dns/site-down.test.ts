import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startServe, tempProject, waitFor, type Project, type Serve } from '../helpers/cli.js';
import { missingPart } from '../harness/free-port.js';
import { dig, findBinary, newTsigSecret, startBind, type DnsTestServer } from '../harness/dns-servers.js';
import { failoverConfig, healthSite, type HealthSite } from './site-fixture.js';

const ready = Boolean(findBinary('named') && findBinary('dig')) || missingPart('bind9 (named) and dig') !== 'skip';

describe.skipIf(!ready)('the site-down trigger of rewind serve', () => {
  const secret = newTsigSecret();
  let bind: DnsTestServer;
  let primary: HealthSite;
  let dr: HealthSite;
  let project: Project;
  let serve: Serve | undefined;

  beforeAll(async () => {
    bind = await startBind({ zone: 'example.test', records: ['app IN A 127.0.0.1'], keyName: 'rewind-key', secret });
    [primary, dr] = [await healthSite(), await healthSite()];
    project = tempProject('rewind-site-down-');
  }, 60_000);
  afterAll(async () => {
    await serve?.kill();
    await bind?.stop();
    await primary?.close();
    await dr?.close();
    project?.cleanup();
  });

  const rows = <T>(sql: string): T[] => {
    const db = new Database(join(project.dir, '.rewind', 'state.db'), { readonly: true });
    try {
      return db.prepare(sql).all() as T[];
    } finally {
      db.close();
    }
  };

  it('escalates while both sites are down, then fails over once the standby is healthy', async () => {
    const port = await freePort();
    project.write(
      'rewind.yaml',
      failoverConfig({
        listen: `127.0.0.1:${port}`,
        primaryUrl: primary.url,
        drUrl: dr.url,
        dns: `  - name: zone
    type: rfc2136
    server: ${bind.address}
    zone: example.test
    tsig: { name: rewind-key, algorithm: hmac-sha256, secret: "\${TSIG_SECRET}" }`,
        extra: 'failover: { onSiteDown: failover, checkInterval: 200ms, failures: 2 }\n',
      }),
    );
    primary.status = 503;
    dr.status = 503;
    serve = await startServe(project, port, { TSIG_SECRET: secret });
    const escalated = await waitFor('an escalation', async () =>
      rows<{ message: string }>("SELECT message FROM events WHERE type = 'decision.made'").find((e) =>
        e.message.includes('no standby is healthy'),
      ),
    );
    expect(escalated.message).toMatch(/site primary failed \d+ health checks in a row and no standby is healthy/);
    expect(dig(bind.port, 'app.example.test')).toEqual(['127.0.0.1']);
    expect(rows("SELECT id FROM rollbacks WHERE service = 'sites'")).toEqual([]);

    dr.status = 200;
    const done = await waitFor(
      'the automatic failover',
      async () =>
        rows<{ kind: string; status: string }>("SELECT kind, status FROM rollbacks WHERE service = 'sites'").find(
          (r) => r.status === 'succeeded',
        ),
      60_000,
      200,
    );
    expect(done.kind).toBe('automatic');
    expect(dig(bind.port, 'app.example.test')).toEqual(['127.0.0.2']);
    const fired = rows<{ type: string }>("SELECT type FROM events WHERE type IN ('trigger.fired', 'decision.made')");
    expect(fired.map((e) => e.type)).toEqual(['trigger.fired', 'decision.made', 'decision.made']);
  }, 120_000);
});
