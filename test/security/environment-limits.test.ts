import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiFetch } from '../helpers/api.js';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject } from '../helpers/cli.js';
import { platformDriver } from '../helpers/configs.js';

/*
 * Environment limits, route by route, against one controller: production is
 * declared first (the default), staging is protected. Each acting route is
 * called with a staging-limited token naming nothing (the default is production:
 * refused), a production-limited token naming nothing and naming production
 * (allowed), and naming the other environment (refused); every refusal leaves
 * the whole state as it was, every allowed call leaves staging as it was.
 */
let project: Project;
let serve: Serve;
const admin = () => ({ dir: project.dir, stateDir: join(project.dir, 'state') });
const cli = (...args: string[]) => runCli(args, { cwd: project.dir });
const tokens: Record<'stage' | 'prod' | 'stageViewer', string> = { stage: '', prod: '', stageViewer: '' };
const ids = { prodRollback: '', stageApproval: '' };

async function call(token: string, method: string, path: string, json?: unknown) {
  const response = await apiFetch(`${serve.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}` },
    ...(json !== undefined ? { json } : {}),
  });
  const text = await response.text();
  return { status: response.status, text };
}

const get = async (path: string) => (await apiFetch(`${serve.url}${path}`, {}, admin())).json();

/** One environment's state, as an unlimited admin reads it. */
async function stateOf(environment: string): Promise<string> {
  const events = (await get(`/v1/events?limit=5000&environment=${environment}`)) as { type: string }[];
  return JSON.stringify({
    api: await get(`/v1/history/api?environment=${environment}`),
    rollbacks: await get(`/v1/rollbacks?environment=${environment}`),
    approvals: await get(`/v1/approvals?environment=${environment}&status=pending,approved,rejected,timed-out`),
    events: events.filter((e) => !e.type.startsWith('audit.')),
  });
}
const everything = async () =>
  JSON.stringify({
    production: await stateOf('production'),
    staging: await stateOf('staging'),
    backups: await get('/v1/db/backups'),
    tokens: await get('/v1/tokens'),
  });

beforeAll(async () => {
  project = tempProject('rewind-env-limits-');
  const port = await freePort();
  mkdirSync(join(project.dir, 'migrations'));
  project.write('migrations/1_t.up.sql', 'CREATE TABLE t (id INTEGER PRIMARY KEY);');
  project.write('migrations/1_t.down.sql', 'DROP TABLE t;');
  project.write(
    'rewind.yaml',
    `version: 1
controller: { stateDir: state, listen: "127.0.0.1:${port}" }
environments: { production: {}, staging: { protected: true } }
services:
  api:
${platformDriver('platform.json', false)}    postRollback: { watch: 0s }
  jobs:
    environments: [production]
    database: app
${platformDriver('jobs.json', false)}    postRollback: { watch: 0s }
databases:
  app: { engine: sqlite, url: "${project.dir}/app.sqlite", migrations: { dir: ./migrations } }
`,
  );
  serve = await startServe(project, port);
  for (const environment of ['production', 'staging'])
    for (const version of ['v1', 'v2']) {
      const deployed = await cli('deploy', 'api', version, '--env', environment);
      expect(deployed.code, deployed.stderr).toBe(0);
    }
  expect((await cli('deploy', 'jobs', 'v1')).code).toBe(0);
  const made = async (name: string, role: string, env: string) => {
    const result = await cli('token', 'create', name, '--role', role, '--env', env, '--json');
    expect(result.code, result.stderr).toBe(0);
    return (JSON.parse(result.stdout) as { token: string }).token;
  };
  tokens.stage = await made('stage-admin', 'admin', 'staging');
  tokens.prod = await made('prod-admin', 'admin', 'production');
  tokens.stageViewer = await made('stage-viewer', 'viewer', 'staging');
  // one record in each environment: a rollback in production, an approval in (protected) staging
  const undo = await apiFetch(
    `${serve.url}/v1/undo`,
    { method: 'POST', json: { service: 'api', wait: true } },
    admin(),
  );
  ids.prodRollback = ((await undo.json()) as { rollback: { id: string } }).rollback.id;
  const asked = await apiFetch(
    `${serve.url}/v1/undo`,
    { method: 'POST', json: { service: 'api', environment: 'staging' } },
    admin(),
  );
  ids.stageApproval = ((await asked.json()) as { approval: { id: string } }).approval.id;
  // the seeding's last events (reports, notifications) land before the table compares states
  let last = '';
  for (let now = await everything(); now !== last; now = await everything()) {
    last = now;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}, 180_000);
afterAll(async () => {
  await serve?.kill('SIGKILL');
  project?.cleanup();
});

/** What a route names: an environment (`env`), a database (`db`), in the body or the query. */
interface ActingRoute {
  method: 'POST' | 'GET';
  path: string;
  names: 'env' | 'db';
  body?: Record<string, unknown>;
  /** the route's schema requires the name: naming none is a 400 before anything is resolved */
  required?: true;
}
const ACTING: ActingRoute[] = [
  { method: 'POST', path: '/v1/deploy', names: 'env', body: { service: 'api', version: 'v3' } },
  { method: 'POST', path: '/v1/undo', names: 'env', body: { service: 'api', dryRun: true } },
  { method: 'POST', path: '/v1/undo-group', names: 'env', body: { dryRun: true } },
  { method: 'POST', path: '/v1/drills', names: 'env', body: { service: 'nope' }, required: true },
  { method: 'POST', path: '/v1/services/api/restart', names: 'env', body: { reason: 'table' } },
  { method: 'POST', path: '/v1/services/api/stop', names: 'env', body: { reason: 'table' } },
  { method: 'POST', path: '/v1/services/api/start', names: 'env', body: { reason: 'table' } },
  { method: 'POST', path: '/v1/services/api/flags/dark-mode', names: 'env', body: { on: true } },
  { method: 'GET', path: '/v1/status/api', names: 'env' },
  { method: 'GET', path: '/v1/history/api', names: 'env' },
  { method: 'GET', path: '/v1/services/api/flags', names: 'env' },
  { method: 'GET', path: '/v1/services/api/config-diff?from=1&to=2', names: 'env' },
  { method: 'GET', path: '/v1/signals/api', names: 'env' },
  { method: 'POST', path: '/v1/db/backups', names: 'db', body: {} },
  { method: 'POST', path: '/v1/db/validate', names: 'db', body: {} },
  { method: 'POST', path: '/v1/db/read-only', names: 'db', body: { on: false } },
  { method: 'POST', path: '/v1/db/migrate-down', names: 'db', body: { to: '0', dryRun: true } },
  { method: 'GET', path: '/v1/db/status', names: 'db' },
  { method: 'GET', path: '/v1/db/backups', names: 'db' },
];

/** The request of a route naming `value` (an environment or a database), or nothing. */
function requestOf(route: ActingRoute, value: string | undefined): [string, unknown] {
  const key = route.names === 'env' ? 'environment' : 'database';
  const named = value === undefined ? {} : { [key]: value };
  if (route.method === 'POST') return [route.path, { ...route.body, ...named }];
  const query = new URLSearchParams(named as Record<string, string>).toString();
  return [query ? `${route.path}${route.path.includes('?') ? '&' : '?'}${query}` : route.path, undefined];
}

describe('an environment-limited token acts only where the request really acts, after defaults', () => {
  it.each(ACTING.map((r) => [`${r.method} ${r.path}`, r] as const))('%s', async (_name, route) => {
    // the right one names production's database (the only one) or production
    const right = route.names === 'env' ? 'production' : 'app';
    const refusedCases: [string, string, string | undefined][] = [
      ['staging token, nothing named (the default is production)', tokens.stage, undefined],
      ['staging token naming production', tokens.stage, right],
    ];
    if (route.names === 'env') refusedCases.push(['production token naming staging', tokens.prod, 'staging']);
    for (const [what, token, value] of refusedCases) {
      const before = await everything();
      const [path, body] = requestOf(route, value);
      const answer = await call(token, route.method, path, body);
      expect(answer.status, `${what}: ${answer.text}`).toBe(value === undefined && route.required ? 400 : 403);
      expect(await everything(), `${what} changed nothing`).toBe(before);
    }
    for (const [what, value] of [
      ['production token, nothing named', undefined],
      ['production token naming production', right],
    ] as const) {
      const staging = await stateOf('staging');
      const [path, body] = requestOf(route, value);
      const answer = await call(tokens.prod, route.method, path, body);
      if (value === undefined && route.required) expect(answer.status).toBe(400);
      expect([401, 403], `${what}: ${answer.status} ${answer.text}`).not.toContain(answer.status);
      expect(await stateOf('staging'), `${what} left staging alone`).toBe(staging);
    }
  });
});

describe('records and lists of another environment are not readable', () => {
  it('a rollback of production is 404 to a staging token, with its report and notifications; 200 to production', async () => {
    for (const suffix of ['', '/report', '/report?format=md', '/notifications']) {
      const hidden = await call(tokens.stage, 'GET', `/v1/rollbacks/${ids.prodRollback}${suffix}`);
      expect(hidden.status, `${suffix}: ${hidden.text}`).toBe(404);
      expect(hidden.text).not.toContain('production');
      expect((await call(tokens.prod, 'GET', `/v1/rollbacks/${ids.prodRollback}${suffix}`)).status).toBe(200);
    }
  });

  it('lists show only the token’s environments; naming another one is refused', async () => {
    const lists = [
      '/v1/rollbacks',
      '/v1/events?limit=5000',
      '/v1/approvals',
      '/v1/audit',
      '/v1/drills',
      '/v1/overview',
    ];
    for (const list of lists) {
      for (const [token, own, other] of [
        [tokens.stageViewer, 'staging', 'production'],
        [tokens.prod, 'production', 'staging'],
      ] as const) {
        const answer = await call(token, 'GET', list);
        expect(answer.status, `${list}: ${answer.text}`).toBe(200);
        expect(answer.text, `${list} as ${own}`).not.toContain(`"environment":"${other}"`);
      }
    }
    // what each one sees is there: staging's approval and production's rollback
    expect((await call(tokens.stageViewer, 'GET', '/v1/approvals')).text).toContain(ids.stageApproval);
    expect((await call(tokens.prod, 'GET', '/v1/rollbacks')).text).toContain(ids.prodRollback);
    expect((await call(tokens.prod, 'GET', '/v1/audit')).text).toContain('"environment":"production"');
    for (const list of ['/v1/rollbacks', '/v1/events', '/v1/approvals'])
      expect((await call(tokens.stageViewer, 'GET', `${list}?environment=production`)).status).toBe(403);
  });

  it('an approval of another environment is 404 to decide; its own environment’s token decides it', async () => {
    const before = await everything();
    const hidden = await call(tokens.prod, 'POST', `/v1/approvals/${ids.stageApproval}/approve`, {});
    expect(hidden.status, hidden.text).toBe(404);
    expect(await everything()).toBe(before);
    const production = await stateOf('production');
    const rejected = await call(tokens.stage, 'POST', `/v1/approvals/${ids.stageApproval}/reject`, { reason: 'no' });
    expect(rejected.status, rejected.text).toBe(200);
    expect(await stateOf('production')).toBe(production);
  });

  it('routes beyond one environment (tokens, metrics) refuse limited tokens', async () => {
    for (const [method, path, body] of [
      ['GET', '/v1/tokens', undefined],
      ['POST', '/v1/tokens', { name: 'mallory', role: 'admin' }],
      ['DELETE', '/v1/tokens/local-admin', undefined],
    ] as const) {
      const before = await everything();
      expect((await call(tokens.prod, method, path, body)).status).toBe(403);
      expect(await everything()).toBe(before);
    }
  });
});

describe('the audit log', () => {
  it('is read newest page first from the store: limit keeps the newest entries, oldest first', async () => {
    const all = (await get('/v1/audit?limit=5000')) as { id: number }[];
    const last = (await get('/v1/audit?limit=3')) as { id: number }[];
    expect(all.length).toBeGreaterThan(3);
    expect(last.map((e) => e.id)).toEqual(all.slice(-3).map((e) => e.id));
  });
});

describe('a dashboard session’s changes need its CSRF token (plain HTTP, no browser)', () => {
  it('a forged or non-ASCII CSRF header is refused with 403 and changes nothing; the session’s own token is accepted', async () => {
    const signIn = await apiFetch(`${serve.url}/v1/session`, { method: 'POST', json: { token: tokens.prod } });
    expect(signIn.status).toBe(200);
    const cookie = String(signIn.headers.get('set-cookie')).split(';')[0] ?? '';
    const { session } = (await signIn.json()) as { session: { csrf: string } };
    // same length in characters as the real token, other bytes: unequal, not a crash
    const nonAscii = 'é'.repeat(session.csrf.length);
    const forged: Record<string, string>[] = [
      { cookie, origin: 'http://evil.example' },
      { cookie },
      { cookie, origin: 'http://evil.example', 'x-csrf-token': 'guessed' },
      { cookie, origin: serve.url, 'x-csrf-token': nonAscii },
    ];
    for (const headers of forged) {
      const before = await everything();
      const refused = await fetch(`${serve.url}/v1/db/backups`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(refused.status, JSON.stringify(Object.keys(headers))).toBe(403);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('CSRF');
      expect(await everything()).toBe(before);
    }
    const accepted = await fetch(`${serve.url}/v1/db/backups`, {
      method: 'POST',
      headers: { cookie, origin: serve.url, 'x-csrf-token': session.csrf, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(accepted.status, await accepted.clone().text()).toBe(201);
  });
});
