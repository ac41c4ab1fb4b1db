import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { get as httpsGet } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiFetch } from '../helpers/api.js';
import { startController } from '../../src/runtime/controller.js';
import { controllerServices } from '../../src/runtime/services.js';
import { loadConfig } from '../../src/config/load.js';
import type { Project, Serve } from '../helpers/cli.js';
import { BIN, freePort, runCli, startServe, tempProject } from '../helpers/cli.js';
import { platformDriver } from '../helpers/configs.js';
import { selfSignedCert } from '../helpers/tls.js';

let project: Project;
let serve: Serve;
const admin = () => ({ dir: project.dir, stateDir: join(project.dir, 'state') });
const service = `services:
  api:
${platformDriver('platform.json', false)}    postRollback: { watch: 0s }
`;

/** fetch() will not send a Host of our choosing; node:http will */
function withHost(url: string, host: string, token?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host, ...(token ? { authorization: `Bearer ${token}` } : {}) } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** `rewind serve` over HTTPS; up when /healthz answers through the given CA */
async function startServeTls(p: Project, port: number, ca: Buffer): Promise<Serve> {
  const child = spawn(process.execPath, [BIN, 'serve', '-c', p.config], {
    cwd: p.dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const up = () =>
    new Promise<boolean>((resolve) =>
      httpsGet(`https://127.0.0.1:${port}/healthz`, { ca }, (res) => resolve(res.statusCode === 200)).on('error', () =>
        resolve(false),
      ),
    );
  const deadline = Date.now() + 20_000;
  while (!(await up())) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`rewind serve over TLS did not answer: ${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `https://127.0.0.1:${port}`,
    child,
    output: () => output,
    kill: (signal = 'SIGTERM') =>
      new Promise((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', () => done());
        child.kill(signal);
      }),
  };
}

beforeAll(async () => {
  project = tempProject('rewind-edges-');
  const port = await freePort();
  project.write(
    'rewind.yaml',
    `version: 1
controller: { stateDir: state, listen: "127.0.0.1:${port}", allowedHosts: [rewind.internal] }
environments: { production: {} }
${service}`,
  );
  serve = await startServe(project, port);
});
afterAll(async () => {
  await serve?.kill('SIGKILL');
  project?.cleanup();
});

describe('the edges of HTTP', () => {
  it('a foreign Host gets 421, loopback names and allowedHosts are answered, no CORS headers', async () => {
    const token = readFileSync(join(project.dir, 'state', 'admin.token'), 'utf8').trim();
    const evil = await withHost(`${serve.url}/v1/rollbacks`, 'evil.example', token);
    expect(evil.status).toBe(421);
    expect(JSON.parse(evil.body)).toMatchObject({ error: { code: 'MISDIRECTED' } });
    expect((await withHost(`${serve.url}/v1/rollbacks`, 'evil.example:80')).status).toBe(421);
    for (const host of ['localhost', `127.0.0.1:${new URL(serve.url).port}`, 'rewind.internal', 'REWIND.internal:7070'])
      expect((await withHost(`${serve.url}/v1/rollbacks`, host, token)).status, host).toBe(200);
    const preflight = await apiFetch(
      `${serve.url}/v1/undo`,
      { method: 'OPTIONS', headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' } },
      admin(),
    );
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('a body over the limit is 413, a broken one 400, both with a JSON error', async () => {
    const big = await apiFetch(
      `${serve.url}/v1/undo`,
      { method: 'POST', json: { service: 'api', reason: 'x'.repeat(300 * 1024) } },
      admin(),
    );
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ error: { code: expect.any(String) } });
    const broken = await apiFetch(
      `${serve.url}/v1/undo`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"service": "api",' },
      admin(),
    );
    expect(broken.status).toBe(400);
  });

  it('a busy store answers 503 with Retry-After, and nothing is half-written', async () => {
    const lock = new Database(join(project.dir, 'state', 'state.db'));
    lock.exec('BEGIN EXCLUSIVE');
    try {
      const answer = await apiFetch(
        `${serve.url}/v1/tokens`,
        { method: 'POST', json: { name: 'while-locked', role: 'viewer' } },
        admin(),
      );
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toBe('1');
      expect(JSON.stringify(await answer.json())).not.toMatch(/SQLITE|database is locked/i);
    } finally {
      lock.exec('ROLLBACK');
      lock.close();
    }
    const tokens = (await (await apiFetch(`${serve.url}/v1/tokens`, {}, admin())).json()) as { name: string }[];
    expect(tokens.map((t) => t.name)).not.toContain('while-locked');
  });

  it('controller.publicMetrics: false closes /metrics to callers without a token; /healthz stays open', async () => {
    const closed = tempProject('rewind-metrics-');
    try {
      closed.write(
        'rewind.yaml',
        `version: 1
controller: { stateDir: state, publicMetrics: false }
environments: { production: {} }
${service}`,
      );
      const loaded = loadConfig(closed.config);
      const controller = await startController(loaded, { listen: '127.0.0.1:0', ...controllerServices(loaded) });
      try {
        expect((await fetch(`${controller.url}/metrics`)).status).toBe(401);
        expect((await fetch(`${controller.url}/healthz`)).status).toBe(200);
        const scrape = await apiFetch(
          `${controller.url}/metrics`,
          {},
          { dir: closed.dir, stateDir: join(closed.dir, 'state') },
        );
        expect(scrape.status).toBe(200);
        expect(await scrape.text()).toContain('# HELP');
      } finally {
        await controller.close();
      }
    } finally {
      closed.cleanup();
    }
  });

  it('TLS with a self-signed certificate works from the CLI with --ca or REWIND_CA, not without', async () => {
    const tls = tempProject('rewind-tls-');
    let https: Serve | null = null;
    try {
      selfSignedCert(tls.dir);
      const port = await freePort();
      tls.write(
        'rewind.yaml',
        `version: 1
controller: { stateDir: state, listen: "127.0.0.1:${port}", tls: { cert: cert.pem, key: key.pem } }
environments: { production: {} }
${service}`,
      );
      const ca = join(tls.dir, 'cert.pem');
      https = await startServeTls(tls, port, readFileSync(ca));
      const untrusted = await runCli(['rollbacks', '--json'], { cwd: tls.dir });
      expect(untrusted.code).toBe(1);
      expect(untrusted.stderr).toContain('--ca');
      const flag = await runCli(['deploy', 'api', 'v1', '--json', '--ca', ca], { cwd: tls.dir });
      expect(flag.code, flag.stderr).toBe(0);
      const env = await runCli(['history', 'api', '--json'], { cwd: tls.dir, env: { REWIND_CA: ca } });
      expect(env.code, env.stderr).toBe(0);
      expect(JSON.parse(env.stdout)).toHaveLength(1);
    } finally {
      await https?.kill('SIGKILL');
      tls.cleanup();
    }
  });
});
