import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject, waitFor } from '../helpers/cli.js';
import type { PostgresHarness } from '../harness/postgres.js';
import { startPostgres } from '../harness/postgres.js';

// Host A and host B of one project: each its own directory (rewind.yaml, state
// dir), one PostgreSQL store. Only the listen port differs, as two machines
// would differ by address.
const config = (url: string, port: number) => `version: 1
controller:
  listen: 127.0.0.1:${port}
  store: { type: postgres, url: "${url}" }
environments:
  production: {}
services:
  api:
    driver: { type: command, start: ["true"], shiftTraffic: ["true"], retire: ["true"] }
    analysis: { duration: 0s }
    postRollback: { watch: 0s }
`;

interface Host {
  project: Project;
  port: number;
  serve: Serve | null;
  cli(...args: string[]): ReturnType<typeof runCli>;
  tokenFile: string;
}

let harness: PostgresHarness | null = null;
const hosts: Host[] = [];
beforeAll(async () => {
  harness = await startPostgres();
}, 120_000);
afterEach(async () => {
  for (const host of hosts.splice(0)) {
    await host.serve?.kill('SIGKILL');
    host.project.cleanup();
  }
});
afterAll(async () => harness?.stop());

async function twoHosts(db: string): Promise<[Host, Host]> {
  const url = await harness!.createDatabase(db);
  const make = async (): Promise<Host> => {
    const project = tempProject('rewind-host-');
    const port = await freePort();
    project.write('rewind.yaml', config(url, port));
    const host: Host = {
      project,
      port,
      serve: null,
      cli: (...args) => runCli(args, { cwd: project.dir }),
      tokenFile: join(project.dir, '.rewind', 'admin.token'),
    };
    hosts.push(host);
    return host;
  };
  return [await make(), await make()];
}

const start = async (host: Host) => (host.serve = await startServe(host.project, host.port));
const restart = async (host: Host) => {
  await host.serve?.kill('SIGTERM');
  return start(host);
};
const works = async (host: Host, what: string) => {
  const listed = await host.cli('token', 'list', '--json');
  expect(listed.code, `${what}: ${listed.stderr}`).toBe(0);
  return JSON.parse(listed.stdout) as { name: string }[];
};

describe('one project, two hosts, one PostgreSQL store', () => {
  it('the second host never revokes the first one’s admin token; it says how to get one, and both CLIs work', async (ctx) => {
    if (!harness) return ctx.skip();
    const [a, b] = await twoHosts('identity_order');
    await start(a);
    expect(existsSync(a.tokenFile)).toBe(true);
    await works(a, 'host A alone');

    await start(b);
    await waitFor('host B to say how to get a token', async () => b.serve?.output().includes('rewind token create'));
    expect(b.serve?.output()).toContain('--role admin');
    expect(existsSync(b.tokenFile)).toBe(false);
    // host A goes on as before: its token was not revoked
    expect((await works(a, 'host A after B started')).map((t) => t.name)).toEqual(['local-admin']);
    const deployed = await a.cli('deploy', 'api', 'v1');
    expect(deployed.code, deployed.stderr).toBe(0);
    const refused = await b.cli('token', 'list');
    expect(refused.code).not.toBe(0);

    // the steps B's operator follows: a token made on A, put in B's state dir
    const created = await a.cli('token', 'create', 'admin-b', '--role', 'admin', '--json');
    expect(created.code, created.stderr).toBe(0);
    mkdirSync(join(b.project.dir, '.rewind'), { recursive: true });
    writeFileSync(b.tokenFile, `${(JSON.parse(created.stdout) as { token: string }).token}\n`, { mode: 0o600 });
    await works(b, 'host B with its own token');

    // restarts of either, in any order, change nobody's credentials
    await restart(b);
    await restart(a);
    await works(a, 'host A after both restarted');
    await works(b, 'host B after both restarted');
    expect((await works(b, 'host B')).map((t) => t.name).sort()).toEqual(['admin-b', 'local-admin']);
    expect(a.serve?.output()).not.toContain('rewind token create');

    // a failover: the leader dies; the other host leads, and both CLIs keep their credentials
    const asked = await fetch(`http://127.0.0.1:${a.port}/v1/leader`, {
      headers: { authorization: `Bearer ${readFileSync(a.tokenFile, 'utf8').trim()}` },
    });
    const { address } = (await asked.json()) as { address: string };
    const [dead, other] = address.endsWith(`:${a.port}`) ? [a, b] : [b, a];
    await dead.serve?.kill('SIGKILL');
    dead.serve = null;
    await waitFor('the other host to lead', async () => (await other.cli('deploy', 'api', 'v2')).code === 0, 30_000);
    await start(dead);
    for (const host of [a, b])
      expect((await works(host, 'after the failover')).map((t) => t.name).sort()).toEqual(['admin-b', 'local-admin']);
  }, 180_000);

  it('both hosts start at once on an empty store: one admin token is made, on one host, and it keeps working', async (ctx) => {
    if (!harness) return ctx.skip();
    const [a, b] = await twoHosts('identity_race');
    await Promise.all([start(a), start(b)]);
    const [first, second] = existsSync(a.tokenFile) ? [a, b] : [b, a];
    expect(existsSync(first.tokenFile)).toBe(true);
    expect(existsSync(second.tokenFile)).toBe(false);
    expect((await works(first, 'the host that made the token')).map((t) => t.name)).toEqual(['local-admin']);
    // the other host's operator sets controller.adminTokenFile to a copy of the token
    second.project.write('admin-token', readFileSync(first.tokenFile, 'utf8'));
    second.project.write(
      'rewind.yaml',
      readFileSync(second.project.config, 'utf8').replace(
        'controller:\n',
        'controller:\n  adminTokenFile: admin-token\n',
      ),
    );
    await restart(second);
    await works(second, 'the other host with controller.adminTokenFile');
    await restart(first);
    await works(first, 'the first host after a restart');
    expect(second.serve?.output()).not.toContain('rewind token create');
  }, 120_000);
});
