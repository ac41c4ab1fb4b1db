import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiFetch } from '../helpers/api.js';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject } from '../helpers/cli.js';
import { platformDriver } from '../helpers/configs.js';

let project: Project;
let serve: Serve;
let port: number;
const admin = () => ({ dir: project.dir, stateDir: join(project.dir, 'state') });
const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { cwd: project.dir, env });

beforeAll(async () => {
  project = tempProject('rewind-tokens-');
  port = await freePort();
  project.write(
    'rewind.yaml',
    `version: 1
controller: { stateDir: state, listen: "127.0.0.1:${port}" }
environments: { staging: {}, production: {} }
services:
  api:
${platformDriver('platform.json', false)}    postRollback: { watch: 0s }
`,
  );
  serve = await startServe(project, port);
  for (const env of ['staging', 'production'])
    for (const version of ['v1', 'v2']) {
      const deployed = await cli(['deploy', 'api', version, '--env', env]);
      expect(deployed.code, deployed.stderr).toBe(0);
    }
});
afterAll(async () => {
  await serve?.kill('SIGKILL');
  project?.cleanup();
});

async function token(name: string, role: string, ...more: string[]): Promise<string> {
  const made = await cli(['token', 'create', name, '--role', role, ...more, '--json']);
  expect(made.code, made.stderr).toBe(0);
  const body = JSON.parse(made.stdout) as { name: string; role: string; token: string };
  expect(body).toMatchObject({ name, role });
  return body.token;
}

/** what a refused request must not change: releases, rollbacks, approvals, tokens, non-audit events */
async function snapshot(): Promise<string> {
  const get = async (path: string) => (await apiFetch(`${serve.url}${path}`, {}, admin())).json();
  const events = (await get('/v1/events?limit=5000')) as { type: string }[];
  return JSON.stringify({
    staging: await get('/v1/history/api?environment=staging'),
    production: await get('/v1/history/api?environment=production'),
    rollbacks: await get('/v1/rollbacks'),
    approvals: await get('/v1/approvals?status=pending,approved,rejected,timed-out'),
    tokens: await get('/v1/tokens'),
    events: events.filter((e) => !e.type.startsWith('audit.')),
  });
}

const MUTATING: [string, string, unknown][] = [
  ['POST', '/v1/deploy', { service: 'api', version: 'v9', environment: 'production' }],
  ['POST', '/v1/undo', { service: 'api', environment: 'production', emergency: true }],
  ['POST', '/v1/approvals/ap_x/approve', {}],
  ['POST', '/v1/approvals/ap_x/reject', { reason: 'no' }],
  ['POST', '/v1/drills', { environment: 'production' }],
  ['POST', '/v1/db/backups', {}],
  ['POST', '/v1/db/backups/bk_x/verify', {}],
  ['POST', '/v1/db/backups/bk_x/restore', {}],
  ['POST', '/v1/db/migrate-down', { to: '0', allowDataLoss: true }],
  ['POST', '/v1/db/validate', {}],
  ['POST', '/v1/db/read-only', { on: true }],
  ['POST', '/v1/tokens', { name: 'mallory', role: 'admin' }],
  ['DELETE', '/v1/tokens/local-admin', undefined],
];

describe('every route authenticates', () => {
  it('no token, a bad token or only X-Rewind-Actor: 401 on every mutating route, nothing changed', async () => {
    const before = await snapshot();
    const credentials: Record<string, string>[] = [
      {},
      { authorization: 'Bearer rwd_not-a-real-token' },
      { authorization: 'Basic YWRtaW46YWRtaW4=' },
      { 'x-rewind-actor': 'local-admin' },
    ];
    for (const headers of credentials)
      for (const [method, path, json] of MUTATING) {
        const response = await fetch(`${serve.url}${path}`, {
          method,
          headers: { ...headers, ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(json === undefined ? {} : { body: JSON.stringify(json) }),
        });
        expect(response.status, `${method} ${path} with ${JSON.stringify(headers)}`).toBe(401);
        expect(((await response.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
      }
    // reads too; /healthz and /metrics stay open
    expect((await fetch(`${serve.url}/v1/rollbacks`)).status).toBe(401);
    expect((await fetch(`${serve.url}/v1/nope`)).status).toBe(401);
    expect((await fetch(`${serve.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${serve.url}/metrics`)).status).toBe(200);
    expect(await snapshot()).toBe(before);
  });

  it('roles and environments: viewer cannot undo, operator can; a staging token cannot touch production', async () => {
    const viewer = await token('vic', 'viewer');
    const operator = await token('olga', 'operator');
    const staging = await token('sam', 'operator', '--env', 'staging');

    const before = await snapshot();
    const refused = await cli(['undo', 'api', '--env', 'staging', '--json'], { REWIND_TOKEN: viewer });
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({
      error: { code: 'FORBIDDEN', message: expect.stringContaining('role operator') },
    });
    const direct = await apiFetch(`${serve.url}/v1/undo`, {
      method: 'POST',
      headers: { authorization: `Bearer ${staging}` },
      json: { service: 'api', environment: 'production' },
    });
    expect(direct.status).toBe(403);
    expect(((await direct.json()) as { error: { message: string } }).error.message).toContain('environment production');
    // a token limited to staging cannot mint tokens either (that would lift its own limit)
    const mint = await cli(['token', 'create', 'sam2', '--role', 'viewer'], { REWIND_TOKEN: staging });
    expect(mint.code).toBe(1);
    expect(await snapshot()).toBe(before);

    // the viewer reads
    const status = await cli(['status', 'api', '--env', 'production', '--json'], { REWIND_TOKEN: viewer });
    expect(status.code, status.stderr).toBe(0);

    const ok = await cli(['undo', 'api', '--env', 'staging', '--wait-stable', '--json', '--token', staging]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).rollback).toMatchObject({ status: 'succeeded', requestedBy: 'sam' });
    const prod = await cli(['undo', 'api', '--env', 'production', '--wait-stable', '--json'], {
      REWIND_TOKEN: operator,
    });
    expect(prod.code, prod.stderr).toBe(0);
    expect(JSON.parse(prod.stdout).rollback).toMatchObject({ status: 'succeeded', requestedBy: 'olga' });
  });

  it('tokens are stored hashed, listed without secrets, revoked at once', async () => {
    const secret = await token('temp', 'viewer');
    const list = await cli(['token', 'list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).not.toContain(secret);
    expect((JSON.parse(list.stdout) as { name: string }[]).map((t) => t.name)).toContain('temp');
    const db = readFileSync(join(project.dir, 'state', 'state.db')).toString('latin1');
    const wal = readFileSync(join(project.dir, 'state', 'state.db-wal')).toString('latin1');
    expect(db + wal).not.toContain(secret);

    expect((await cli(['status', 'api', '--token', secret])).code).toBe(0);
    expect((await cli(['token', 'revoke', 'temp'])).code).toBe(0);
    const after = await cli(['status', 'api', '--token', secret]);
    expect(after.code).toBe(1);
    expect(after.stderr).toContain('valid API token');
    // an expired one is refused the same way
    const expired = await token('short', 'viewer', '--expires', '1ms');
    await new Promise((r) => setTimeout(r, 20));
    expect((await cli(['status', 'api', '--token', expired])).code).toBe(1);
  });

  it('the audit log has token, role, route and outcome, refusals included (rate-limited per address)', async () => {
    const all = await cli(['audit', '--json']);
    expect(all.code, all.stderr).toBe(0);
    const entries = JSON.parse(all.stdout) as { actor: string; data: Record<string, unknown> }[];
    const refused = entries.filter((e) => e.data.outcome === 'refused');
    // the first test sent more than 50 anonymous refusals from 127.0.0.1 within seconds: 20 a minute are
    // kept (a later test's few 401s may land in a later minute)
    const sent = 4 * MUTATING.length + 2;
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.filter((e) => e.data.status === 401).length).toBeLessThan(sent - 20);
    expect(refused[0]?.data).toMatchObject({ status: 401, token: null, remoteAddress: '127.0.0.1' });
    expect(entries).toContainEqual(
      expect.objectContaining({
        actor: 'vic',
        data: expect.objectContaining({ role: 'viewer', route: '/v1/undo', status: 403, outcome: 'refused' }),
      }),
    );
    const olga = await cli(['audit', '--actor', 'OLGA', '--since', '1h', '--json']);
    expect(olga.code, olga.stderr).toBe(0);
    const mine = JSON.parse(olga.stdout) as { actor: string; data: Record<string, unknown> }[];
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((e) => e.actor === 'olga')).toBe(true);
    expect(mine).toContainEqual(
      expect.objectContaining({
        data: expect.objectContaining({ role: 'operator', method: 'POST', route: '/v1/undo', outcome: 'ok' }),
      }),
    );
  });

  it('admin.token is 0600 and a later controller of the same project accepts it', async () => {
    const path = join(project.dir, 'state', 'admin.token');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const secret = readFileSync(path, 'utf8').trim();
    await serve.kill('SIGTERM');
    serve = await startServe(project, port);
    expect(readFileSync(path, 'utf8').trim()).toBe(secret);
    const response = await fetch(`${serve.url}/v1/rollbacks`, { headers: { authorization: `Bearer ${secret}` } });
    expect(response.status).toBe(200);
  });
});
