import { createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, runCli, startServe, tempProject, waitFor, type Project, type Serve } from '../helpers/cli.js';
import { missingPart } from '../harness/free-port.js';
import { dig, findBinary, newTsigSecret, startBind, type DnsTestServer } from '../harness/dns-servers.js';
import { failoverConfig, healthSite, type HealthSite } from './site-fixture.js';

const ready = Boolean(findBinary('named') && findBinary('dig')) || missingPart('bind9 (named) and dig') !== 'skip';

/** A "DNS server" that accepts the update's connection and never answers: the DNS step stays in flight. */
async function silentServer(): Promise<{ address: string; connected: () => boolean; close(): Promise<void> }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => void sockets.push(socket));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  return {
    address: `127.0.0.1:${port}`,
    connected: () => sockets.length > 0,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((done) => server.close(() => done()));
    },
  };
}

describe.skipIf(!ready)('a controller killed between the database step and the DNS step', () => {
  const secret = newTsigSecret();
  let bind: DnsTestServer;
  let primary: HealthSite;
  let dr: HealthSite;
  let project: Project;
  const servers: Serve[] = [];
  const env = { TSIG_SECRET: secret };

  beforeAll(async () => {
    bind = await startBind({ zone: 'example.test', records: ['app IN A 127.0.0.1'], keyName: 'rewind-key', secret });
    [primary, dr] = [await healthSite(), await healthSite()];
    project = tempProject('rewind-failover-crash-');
  }, 60_000);
  afterAll(async () => {
    for (const s of servers) await s.kill('SIGKILL');
    await bind?.stop();
    await primary?.close();
    await dr?.close();
    project?.cleanup();
  });

  it('the next controller finishes the failover without restoring the database twice', async () => {
    const port = await freePort();
    const silent = await silentServer();
    const write = (server: string) =>
      project.write(
        'rewind.yaml',
        failoverConfig({
          listen: `127.0.0.1:${port}`,
          primaryUrl: primary.url,
          drUrl: dr.url,
          dns: `  - name: zone
    type: rfc2136
    server: ${server}
    zone: example.test
    timeout: 60s
    tsig: { name: rewind-key, algorithm: hmac-sha256, secret: "\${TSIG_SECRET}" }`,
          drExtra: '    restoreDatabase: drdb',
          extra: 'databases:\n  drdb: { engine: sqlite, url: ./dr.db }\n',
        }),
      );
    write(silent.address);
    const db = new Database(join(project.dir, 'dr.db'));
    db.exec("CREATE TABLE orders (id INTEGER PRIMARY KEY, note TEXT); INSERT INTO orders (note) VALUES ('backed up')");
    db.close();
    const backup = await runCli(['db', 'backup', '--db', 'drdb', '--json', '-c', project.config], {
      cwd: project.dir,
      env,
    });
    expect(backup.code, backup.stderr).toBe(0);
    const later = new Database(join(project.dir, 'dr.db'));
    later.exec("UPDATE orders SET note = 'written after the backup'");
    later.close();

    const first = await startServe(project, port, env);
    servers.push(first);
    const following = runCli(['failover', '--to', 'dr', '--yes', '--json', '-c', project.config], {
      cwd: project.dir,
      env,
    });
    const state = () => new Database(join(project.dir, '.rewind', 'state.db'), { readonly: true });
    const stepStatus = (name: string) => {
      const s = state();
      try {
        return (s.prepare('SELECT status FROM steps WHERE name = ?').get(name) as { status: string } | undefined)
          ?.status;
      } finally {
        s.close();
      }
    };
    // the database step is done and the DNS update is in flight (its server never answers)
    await waitFor(
      'the DNS update in flight',
      async () => stepStatus('restore') === 'done' && stepStatus('update-dns') === 'running' && silent.connected(),
      90_000,
      100,
    );
    await first.kill('SIGKILL');
    await following;
    await silent.close();
    expect(dig(bind.port, 'app.example.test')).toEqual(['127.0.0.1']);

    write(bind.address);
    const second = await startServe(project, port, env);
    servers.push(second);
    const rollback = await waitFor(
      'the resumed failover to finish',
      async () => {
        const s = state();
        try {
          const row = s.prepare("SELECT id, status FROM rollbacks WHERE service = 'sites'").get() as
            { id: string; status: string } | undefined;
          return row && row.status !== 'running' && row.status !== 'planned' ? row : null;
        } finally {
          s.close();
        }
      },
      90_000,
      250,
    ).catch((error: Error) => {
      const s = state();
      const steps = JSON.stringify(s.prepare('SELECT idx, name, status, attempts, error FROM steps').all());
      s.close();
      throw new Error(
        `${error.message}\nsteps: ${steps}\nsecond controller: ${second.output()}\nfirst: ${first.output()}`,
      );
    });
    expect(rollback.status).toBe('succeeded');
    expect(dig(bind.port, 'app.example.test')).toEqual(['127.0.0.2']);

    const s = state();
    const steps = s
      .prepare('SELECT idx, name, status, attempts FROM steps WHERE rollback_id = ? ORDER BY idx')
      .all(rollback.id);
    const journal = s
      .prepare('SELECT step_idx, attempt, status FROM journal WHERE rollback_id = ? ORDER BY step_idx, attempt')
      .all(rollback.id);
    const safety = s
      .prepare('SELECT COUNT(*) AS n FROM backups WHERE manifest LIKE \'%"purpose":"safety"%\'')
      .get() as { n: number };
    s.close();
    expect(steps).toMatchObject([
      { name: 'check-site', status: 'done', attempts: 1 },
      { name: 'restore', status: 'done', attempts: 1 },
      { name: 'update-dns', status: 'done', attempts: 2 },
      { name: 'verify-dns', status: 'done', attempts: 1 },
      { name: 'read-write', status: 'skipped' },
      { name: 'await-ttl', status: 'done' },
      { name: 'notify', status: 'done' },
    ]);
    expect(journal).toContainEqual({ step_idx: 2, attempt: 1, status: 'interrupted' });
    expect(safety.n).toBe(1);
    const restored = new Database(join(project.dir, 'dr.db'), { readonly: true });
    expect(restored.prepare('SELECT note FROM orders').all()).toEqual([{ note: 'backed up' }]);
    restored.close();

    // the controller answers now: failback goes through its API and the CLI follows the plan there
    const back = await runCli(['failback', '--yes', '--json', '-c', project.config], { cwd: project.dir, env });
    expect(back.code, back.stderr).toBe(0);
    expect(JSON.parse(back.stdout)).toMatchObject({ from: 'dr', to: 'primary', rollback: { status: 'succeeded' } });
    expect(dig(bind.port, 'app.example.test')).toEqual(['127.0.0.1']);
    expect(second.output()).not.toContain(secret);
  }, 240_000);
});
