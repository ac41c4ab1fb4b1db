import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeContext, composeContext } from '../../app/compose.js';
import { createReportWriter } from '../../app/record/index.js';
import { createSiteApi } from '../../app/sites/site-api.js';
import { startSiteWatch } from '../../app/sites/site-watch.js';
import { loadConfig } from '../../config/load.js';

export interface SiteDownDemoResult {
  ok: boolean;
  /** what to install when no authoritative server is on this host */
  missing: string | null;
  /** fault → the zone's server answers the standby's address */
  dnsSwitchedAfterMs: number | null;
  failoverStatus: string | null;
  failbackStatus: string | null;
  reportPath: string | null;
  stateDir: string | null;
}

const NAMED = ['/usr/sbin/named', '/usr/bin/named'].find((p) => existsSync(p));

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  await new Promise((done) => server.close(done));
  return port;
}

/** A toy site: its health answers what `state.status` says, `/` names the site. */
async function site(name: string): Promise<{ url: string; state: { status: number }; close(): void }> {
  const state = { status: 200 };
  const server = createHttpServer((request, response) => {
    response.statusCode = request.url === '/health/ready' ? state.status : 200;
    response.end(`site ${name}\n`);
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, state, close: () => server.close() };
}

/**
 * `rewind demo --fault site-down`: two local sites, BIND as the zone's
 * authoritative server (TSIG-signed dynamic updates), the site-down trigger set
 * to fail over. The primary's health turns bad; Rewind detects it, fails over,
 * verifies at BIND, writes the report; then fails back.
 */
export async function runSiteDownDemo(log: (line: string) => void): Promise<SiteDownDemoResult> {
  const empty = { dnsSwitchedAfterMs: null, failoverStatus: null, failbackStatus: null, reportPath: null };
  if (!NAMED) return { ok: false, missing: 'bind9 (apt-get install bind9 bind9-dnsutils)', ...empty, stateDir: null };
  const dir = await mkdtemp(join(tmpdir(), 'rewind-site-demo-'));
  const secret = randomBytes(32).toString('base64');
  const port = await freePort();
  const zone = ['$TTL 2', '@ IN SOA ns.example.test. admin.example.test. 1 60 60 3600 2', '@ IN NS ns.example.test.'];
  await writeFile(join(dir, 'zone.db'), [...zone, 'ns IN A 127.0.0.1', 'app IN A 127.0.0.1', ''].join('\n'));
  await writeFile(
    join(dir, 'named.conf'),
    `options { directory "${dir}"; listen-on port ${port} { 127.0.0.1; }; listen-on-v6 { none; }; pid-file none; recursion no; };
controls { };
key "rewind-key" { algorithm hmac-sha256; secret "${secret}"; };
zone "example.test" { type primary; file "${join(dir, 'zone.db')}"; update-policy { grant rewind-key zonesub ANY; }; };
`,
  );
  const named = spawn(NAMED, ['-g', '-c', join(dir, 'named.conf')], { stdio: 'ignore' });
  const [primary, dr] = [await site('primary'), await site('dr')];
  const config = join(dir, 'rewind.yaml');
  await writeFile(
    config,
    `version: 1
controller: { listen: 127.0.0.1:${await freePort()} }
environments: { production: {} }
services: {}
dns:
  - { name: zone, type: rfc2136, server: 127.0.0.1:${port}, zone: example.test, tsig: { name: rewind-key, secret: "${secret}" } }
sites:
  primary: { health: { url: "${primary.url}/health/ready" }, records: [ { dns: zone, name: app.example.test, values: [127.0.0.1], ttl: 2 } ] }
  dr: { health: { url: "${dr.url}/health/ready" }, records: [ { dns: zone, name: app.example.test, values: [127.0.0.2], ttl: 2 } ] }
failover: { onSiteDown: failover, checkInterval: 250ms, failures: 3 }
`,
  );
  const ctx = composeContext(loadConfig(config), { owner: true });
  const writer = createReportWriter(ctx);
  const reports: string[] = [];
  ctx.onEvent((event) => {
    writer.onEvent(event);
    if (event.type === 'report.written') reports.push(String(event.data.path));
    if (event.type.startsWith('rollback.') || event.type.startsWith('site.') || event.type === 'decision.made')
      log(`  ${event.type.padEnd(24)} ${event.message}`);
  });
  try {
    const zone = ctx.adapters.dns('zone');

    for (let i = 0; i < 100 && (await zone.lookup('app.example.test', 'A').catch(() => null)) === null; i++)
      await new Promise((r) => setTimeout(r, 100));
    const stopWatch = startSiteWatch(ctx);
    log(`site primary (${primary.url}) serves app.example.test; BIND on 127.0.0.1:${port}. Taking site primary down…`);
    const faultAt = Date.now();
    primary.state.status = 503;
    let switchedAt: number | null = null;
    while (switchedAt === null && Date.now() - faultAt < 60_000) {
      const answer = await zone.lookup('app.example.test', 'A').catch(() => null);
      if (answer?.values.join() === '127.0.0.2') switchedAt = Date.now();
      else await new Promise((r) => setTimeout(r, 50));
    }
    const waitEnd = async () => {
      for (let i = 0; i < 600; i++) {
        const [last] = await ctx.store.listRollbacks({ service: 'sites' });
        if (last && !['planned', 'running'].includes(last.status)) return last;
        await new Promise((r) => setTimeout(r, 100));
      }
      return null;
    };
    const over = await waitEnd();
    await stopWatch();
    primary.state.status = 200;
    log('site primary is back: failing back…');
    const back = await createSiteApi(ctx).failback({ wait: true, actor: { name: 'demo' } });
    await writer.stop();
    const ok = over?.status === 'succeeded' && back.rollback?.status === 'succeeded' && switchedAt !== null;
    return {
      ok,
      missing: null,
      dnsSwitchedAfterMs: switchedAt === null ? null : switchedAt - faultAt,
      failoverStatus: over?.status ?? null,
      failbackStatus: back.rollback?.status ?? null,
      reportPath: reports[0] ?? null,
      stateDir: ctx.loaded.stateDir,
    };
  } finally {
    await closeContext(ctx);
    named.kill('SIGTERM');
    primary.close();
    dr.close();
    await once(named, 'exit').catch(() => undefined);
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}
