/**
 * Two controllers on one PostgreSQL store, serving the API over HTTPS with a
 * self-signed certificate. The follower forwards writes to the leader trusting
 * that certificate (nothing else tells it to: no NODE_EXTRA_CA_CERTS), for a bearer
 * token and for a dashboard session signed in at the follower.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requirePart } from '../harness/free-port.js';
import type { PostgresHarness } from '../harness/postgres.js';
import { startPostgres } from '../harness/postgres.js';
import type { Project } from '../helpers/cli.js';
import { BIN, freePort, tempProject, waitFor } from '../helpers/cli.js';
import { selfSignedCert } from '../helpers/tls.js';

let harness: PostgresHarness | null = null;
let project: Project | null = null;
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await harness?.stop();
  project?.cleanup();
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

function call(ca: Buffer, url: string, method: string, json?: unknown, headers: Record<string, string> = {}) {
  return new Promise<Answer>((resolve, reject) => {
    const body = json === undefined ? undefined : JSON.stringify(json);
    const sent = request(url, {
      method,
      ca,
      headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
    });
    sent.on('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text || '{}') }),
      );
    });
    sent.on('error', reject);
    sent.end(body);
  });
}

function serve(p: Project, port: number): ChildProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.NODE_EXTRA_CA_CERTS;
  const child = spawn(process.execPath, [BIN, 'serve', '-c', p.config, '--listen', `127.0.0.1:${port}`], {
    cwd: p.dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return child;
}

describe('HA over HTTPS', () => {
  it('a follower forwards a bearer call and a dashboard session’s change to the leader, trusting the certificate', async (ctx) => {
    harness = await startPostgres();
    requirePart(ctx, harness, 'PostgreSQL (initdb)');
    project = tempProject('rewind-ha-tls-');
    const p = project;
    selfSignedCert(p.dir);
    const ca = readFileSync(join(p.dir, 'cert.pem'));
    p.write(
      'rewind.yaml',
      `version: 1
controller:
  store: { type: postgres, url: "${await harness.createDatabase('ha_tls')}" }
  tls: { cert: cert.pem, key: key.pem }
environments: { production: {} }
services:
  api:
    driver: { type: command, start: ["true"], shiftTraffic: ["true"], retire: ["true"] }
    analysis: { duration: 0s }
    postRollback: { watch: 0s }
`,
    );
    const [leaderPort, followerPort] = [await freePort(), await freePort()];
    const leader = `https://127.0.0.1:${leaderPort}`;
    const follower = `https://127.0.0.1:${followerPort}`;
    serve(p, leaderPort);
    const token = await waitFor('the admin token', async () => {
      try {
        return readFileSync(join(p.dir, '.rewind', 'admin.token'), 'utf8').trim();
      } catch {
        return null;
      }
    });
    const bearer = { authorization: `Bearer ${token}` };
    await waitFor(
      'a leader',
      async () => (await call(ca, `${leader}/v1/leader`, 'GET', undefined, bearer).catch(() => null))?.body.self,
    );
    serve(p, followerPort);
    await waitFor(
      'the follower',
      async () => (await call(ca, `${follower}/healthz`, 'GET').catch(() => null))?.status === 200,
    );
    const info = await call(ca, `${follower}/v1/leader`, 'GET', undefined, bearer);
    expect(info.body).toMatchObject({ address: leader, self: { leader: false } });

    for (const version of ['v1', 'v2']) {
      const deployed = await call(ca, `${follower}/v1/deploy`, 'POST', { service: 'api', version }, bearer);
      expect(deployed.status, JSON.stringify(deployed.body)).toBeLessThan(300);
    }

    const signIn = await call(ca, `${follower}/v1/session`, 'POST', { token });
    expect(signIn.status).toBe(200);
    const cookie = String(signIn.headers['set-cookie']).split(';')[0] ?? '';
    const csrf = (signIn.body.session as { csrf: string }).csrf;
    const undo = await call(
      ca,
      `${follower}/v1/undo`,
      'POST',
      { service: 'api', reason: 'from the follower’s dashboard' },
      { cookie, 'x-csrf-token': csrf, origin: follower },
    );
    expect(undo.status, JSON.stringify(undo.body)).toBe(202);
    const id = (undo.body.rollback as { id: string }).id;
    const done = await waitFor('the rollback to end', async () => {
      const r = await call(ca, `${leader}/v1/rollbacks/${id}`, 'GET', undefined, bearer);
      return ['succeeded', 'failed', 'escalated'].includes(String(r.body.status)) && r.body;
    });
    expect(done).toMatchObject({ status: 'succeeded', fromRevision: 2, toRevision: 1, requestedBy: 'local-admin' });

    // without the session's CSRF token the forwarded change is refused by the leader
    const refused = await call(
      ca,
      `${follower}/v1/undo`,
      'POST',
      { service: 'api', reason: 'x' },
      { cookie, origin: follower },
    );
    expect(refused.status).toBe(403);
  }, 120_000);
});
