import fc from 'fast-check';
import { createToken } from '../../src/app/access/tokens.js';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Controller } from '../../src/runtime/controller.js';
import { startController } from '../../src/runtime/controller.js';
import { controllerServices } from '../../src/runtime/services.js';
import { loadConfig } from '../../src/config/load.js';
import type { Project } from '../helpers/cli.js';
import { tempProject } from '../helpers/cli.js';

/*
 * Generated requests across every route of a real controller, with a valid
 * token (and some without): no 5xx, no crash, and a refused request changes
 * nothing. `npm run fuzz` runs 10,000; the suite a few hundred.
 */
const RUNS = Number(process.env.FUZZ_REQUESTS ?? 300);
/** the limited-token pass: a third of the requests, at least 100 */
const LIMITED_RUNS = Math.max(100, Math.round(RUNS / 3));

let project: Project;
let controller: Controller;
let token: string;
const limited: Record<'operator' | 'viewer', string> = { operator: '', viewer: '' };

beforeAll(async () => {
  project = tempProject('rewind-fuzz-api-');
  mkdirSync(join(project.dir, 'migrations'));
  project.write('migrations/1_t.up.sql', 'CREATE TABLE t (id INTEGER PRIMARY KEY);');
  project.write('migrations/1_t.down.sql', 'DROP TABLE t;');
  project.write(
    'rewind.yaml',
    `version: 1
controller: { stateDir: state }
environments: { staging: {}, production: { protected: true } }
services:
  api:
    driver: { type: command, start: ["true"], shiftTraffic: ["true"], retire: ["true"] }
    postRollback: { watch: 0s }
    analysis: { duration: 0s }
    database: app
databases:
  app: { engine: sqlite, url: ${join(project.dir, 'app.sqlite')}, migrations: { dir: ./migrations } }
`,
  );
  const loaded = loadConfig(project.config);
  controller = await startController(loaded, {
    listen: '127.0.0.1:0',
    drainTimeoutMs: 5_000,
    ...controllerServices(loaded),
  });
  token = readFileSync(join(project.dir, 'state', 'admin.token'), 'utf8').trim();
  for (const environment of ['staging', 'production'])
    for (const version of ['v1', 'v2'])
      await controller.api.deploy({ service: 'api', environment, version, actor: { name: 'seed' } });
  for (const role of ['operator', 'viewer'] as const)
    limited[role] = (
      await createToken(controller.ctx, { name: `staging-${role}`, role, environments: ['staging'], createdBy: 'test' })
    ).token;
}, 60_000);
afterAll(async () => {
  await controller?.close();
  project?.cleanup();
});

/** rows a request could add: a refused one must add none */
async function fingerprint(): Promise<string> {
  const { store } = controller.ctx;
  const releases = [];
  for (const env of ['staging', 'production', 'nope'])
    releases.push((await store.listReleases('api', env, 10_000)).length);
  return JSON.stringify({
    releases,
    rollbacks: (await store.listRollbacks({ limit: 10_000 })).length,
    approvals: (await store.listApprovals({})).length,
    tokens: (await store.listTokens()).map((t) => t.name),
    backups: (await store.listBackups()).length,
  });
}

/** what a staging-limited token must leave as it was: production's rows, backups, tokens */
async function production(): Promise<string> {
  const { store } = controller.ctx;
  return JSON.stringify({
    releases: await store.listReleases('api', 'production', 10_000),
    rollbacks: await store.listRollbacks({ environment: 'production', limit: 10_000 }),
    approvals: await store.listApprovals({ environment: 'production' }),
    backups: (await store.listBackups()).length,
    tokens: (await store.listTokens()).map((t) => t.name),
  });
}

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('api', 'staging', 'production', 'v1', 'v9', '0', '-1', '../../etc/passwd', '%00', 'ap_x', 'bk_x'),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
);
const anyValue = fc.oneof(
  text,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(text, { maxLength: 3 }),
);
const body = fc.oneof(
  fc.dictionary(
    fc.constantFrom(
      'service',
      'environment',
      'version',
      'toRevision',
      'reason',
      'emergency',
      'dryRun',
      'wait',
      'watch',
      'force',
      'migrate',
      'strategy',
      'to',
      'allowDataLoss',
      'database',
      'tables',
      'on',
      'kind',
      'name',
      'role',
      'environments',
      'expires',
      'fault',
      'timeoutMs',
      'faultAfterMs',
      'quarantine',
    ),
    anyValue,
    { maxKeys: 6 },
  ),
  fc.jsonValue({ maxDepth: 3 }),
  fc.constant(undefined),
);
const seg = fc.oneof(text.map(encodeURIComponent), fc.constantFrom('api', 'ap_x', 'bk_x', 'rb_x', 'dr_x', 'nobody'));
const route = fc.oneof(
  fc.tuple(fc.constantFrom('POST'), fc.constantFrom('/v1/deploy', '/v1/undo', '/v1/drills', '/v1/tokens')),
  fc.tuple(
    fc.constantFrom('POST'),
    seg.map((id) => `/v1/approvals/${id}/approve`),
  ),
  fc.tuple(
    fc.constantFrom('POST'),
    seg.map((id) => `/v1/approvals/${id}/reject`),
  ),
  fc.tuple(
    fc.constantFrom('GET'),
    seg.map((s) => `/v1/status/${s}`),
  ),
  fc.tuple(
    fc.constantFrom('GET'),
    seg.map((s) => `/v1/history/${s}`),
  ),
  fc.tuple(
    fc.constantFrom('GET'),
    seg.map((s) => `/v1/rollbacks/${s}`),
  ),
  fc.tuple(
    fc.constantFrom('GET'),
    seg.map((s) => `/v1/rollbacks/${s}/report`),
  ),
  fc.tuple(
    fc.constantFrom('GET'),
    seg.map((s) => `/v1/drills/${s}`),
  ),
  fc.tuple(
    fc.constantFrom('GET'),
    fc.constantFrom('/v1/rollbacks', '/v1/events', '/v1/approvals', '/v1/audit', '/v1/tokens', '/v1/db/status'),
  ),
  fc.tuple(fc.constantFrom('GET'), fc.constantFrom('/v1/db/backups', '/healthz', '/metrics')),
  fc.tuple(
    fc.constantFrom('POST'),
    fc.constantFrom('/v1/db/backups', '/v1/db/migrate-down', '/v1/db/validate', '/v1/db/read-only'),
  ),
  fc.tuple(
    fc.constantFrom('POST'),
    seg.map((id) => `/v1/db/backups/${id}/verify`),
  ),
  fc.tuple(
    fc.constantFrom('POST'),
    seg.map((id) => `/v1/db/backups/${id}/restore`),
  ),
  fc.tuple(
    fc.constantFrom('DELETE'),
    seg.filter((s) => s !== 'local-admin').map((s) => `/v1/tokens/${s}`),
  ),
  fc.tuple(
    fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'),
    text.map((t) => `/${t}`),
  ),
);
const query = fc.dictionary(
  fc.oneof(fc.constantFrom('service', 'environment', 'limit', 'afterId', 'status', 'since', 'actor', 'format'), text),
  text,
  { maxKeys: 3 },
);
const credentials = fc.oneof({ weight: 8, arbitrary: fc.constant('valid') }, fc.constantFrom('none', 'bad'));
const contentType = fc.constantFrom(
  'application/json',
  'application/json',
  'text/plain',
  'application/x-www-form-urlencoded',
);

describe('fuzzed requests against a running controller', () => {
  it(
    `${RUNS} generated requests: never a 5xx, and a refused request changes nothing`,
    async () => {
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(route, query, body, credentials, contentType, async ([method, path], q, json, who, type) => {
          const qs = new URLSearchParams(q as Record<string, string>).toString();
          const headers: Record<string, string> = {};
          if (who === 'valid') headers.authorization = `Bearer ${token}`;
          if (who === 'bad') headers.authorization = 'Bearer rwd_fuzz';
          const sendsBody = json !== undefined && method !== 'GET' && method !== 'HEAD';
          if (sendsBody) headers['content-type'] = type;
          const before = await fingerprint();
          const response = await fetch(`${controller.url}${path}${qs ? `?${qs}` : ''}`, {
            method,
            headers,
            ...(sendsBody ? { body: JSON.stringify(json) } : {}),
          });
          await response.arrayBuffer();
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          expect(response.status, `${method} ${path}`).toBeLessThan(500);
          if (response.status >= 400) expect(await fingerprint(), `${method} ${path} ${response.status}`).toBe(before);
        }),
        { numRuns: RUNS },
      );
      // the figures for the record
      console.log(`api fuzz: ${RUNS} requests, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
      expect((await fetch(`${controller.url}/healthz`)).status).toBe(200);
    },
    Math.max(120_000, RUNS * 100),
  );

  it(
    `${LIMITED_RUNS} generated requests with staging-limited operator and viewer tokens: production neither changes nor shows`,
    async () => {
      await fc.assert(
        fc.asyncProperty(
          route,
          query,
          body,
          fc.constantFrom('operator', 'viewer'),
          async ([method, path], q, json, role) => {
            const qs = new URLSearchParams(q as Record<string, string>).toString();
            const headers: Record<string, string> = {
              authorization: `Bearer ${limited[role as 'operator' | 'viewer']}`,
            };
            const sendsBody = json !== undefined && method !== 'GET' && method !== 'HEAD';
            if (sendsBody) headers['content-type'] = 'application/json';
            const before = await production();
            const response = await fetch(`${controller.url}${path}${qs ? `?${qs}` : ''}`, {
              method,
              headers,
              ...(sendsBody ? { body: JSON.stringify(json) } : {}),
            });
            const answer = await response.text();
            expect(response.status, `${method} ${path}`).toBeLessThan(500);
            expect(answer, `${method} ${path} as a staging ${role}`).not.toContain('"environment":"production"');
            expect(await production(), `${method} ${path} as a staging ${role}`).toBe(before);
          },
        ),
        { numRuns: LIMITED_RUNS },
      );
    },
    Math.max(120_000, LIMITED_RUNS * 100),
  );
});
