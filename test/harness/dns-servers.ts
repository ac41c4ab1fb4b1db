/**
 * Debian's real authoritative DNS servers for tests (DESIGN.md "Real parts"):
 * BIND's `named` with a TSIG key allowed to update one zone, and `pdns_server`
 * with its SQLite backend and HTTP API. Each lives in its own temp dir on free
 * loopback ports and is stopped by `stop()`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { freePort } from './free-port.js';

export interface DnsTestServer {
  port: number;
  /** host:port */
  address: string;
  logs(): string;
  stop(): Promise<void>;
}

export const findBinary = (name: string): string | null =>
  ['/usr/sbin', '/usr/bin', '/usr/local/sbin'].map((d) => join(d, name)).find((p) => existsSync(p)) ?? null;

/** `dig +short` against the server itself: what a person would type to check. */
export function dig(port: number, name: string, type = 'A'): string[] {
  const out = spawnSync('dig', [`@127.0.0.1`, '-p', String(port), '+short', '+norecurse', '+tcp', name, type], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (out.status !== 0) throw new Error(`dig failed: ${out.stderr || out.stdout}`);
  return out.stdout.split('\n').filter(Boolean).sort();
}

function started(child: ChildProcess, dir: string, port: number, extra: () => Promise<void> = async () => {}) {
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-8000)));
  child.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-8000)));
  return {
    port,
    address: `127.0.0.1:${port}`,
    logs: () => log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const exited = new Promise((r) => child.once('exit', r));
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      await extra();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function waitAnswering(port: number, name: string, server: { logs(): string }, child: ChildProcess) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the DNS server exited (${child.exitCode}):\n${server.logs()}`);
    try {
      if (dig(port, name, 'SOA').length > 0) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`the DNS server did not answer within 30s:\n${server.logs()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface BindOptions {
  zone: string;
  /** zone-file lines after the SOA and NS, e.g. `app IN A 127.0.0.1` */
  records: string[];
  keyName: string;
  /** base64 */
  secret: string;
}

export const newTsigSecret = (): string => randomBytes(32).toString('base64');

/** BIND 9 as a primary for one zone that `keyName` may update (update-policy zonesub). */
export async function startBind(options: BindOptions): Promise<DnsTestServer> {
  const named = findBinary('named');
  if (!named) throw new Error('named not found (apt-get install -y bind9)');
  const dir = await mkdtemp(join(tmpdir(), 'rewind-bind-'));
  const port = await freePort();
  await writeFile(
    join(dir, 'zone.db'),
    [
      '$TTL 5',
      `@ IN SOA ns.${options.zone}. admin.${options.zone}. 1 60 60 3600 5`,
      `@ IN NS ns.${options.zone}.`,
      'ns IN A 127.0.0.1',
      ...options.records,
      '',
    ].join('\n'),
  );
  await writeFile(
    join(dir, 'named.conf'),
    `options {
  directory "${dir}";
  listen-on port ${port} { 127.0.0.1; };
  listen-on-v6 { none; };
  pid-file none;
  session-keyfile none;
  recursion no;
  dnssec-validation no;
  notify no;
};
controls { };
key "${options.keyName}" { algorithm hmac-sha256; secret "${options.secret}"; };
zone "${options.zone}" {
  type primary;
  file "${join(dir, 'zone.db')}";
  update-policy { grant ${options.keyName} zonesub ANY; };
};
`,
  );
  const child = spawn(named, ['-g', '-c', join(dir, 'named.conf'), '-n', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const server = started(child, dir, port);
  await waitAnswering(port, options.zone, server, child).catch(async (error) => {
    await server.stop();
    throw error;
  });
  return server;
}

export interface PowerDnsServer extends DnsTestServer {
  apiUrl: string;
  apiKey: string;
}

/** PowerDNS Authoritative with the gsqlite3 backend and its HTTP API; the zone is created through the API. */
export async function startPowerDns(options: {
  zone: string;
  records: { name: string; type: string; content: string }[];
}): Promise<PowerDnsServer> {
  const pdns = findBinary('pdns_server');
  if (!pdns) throw new Error('pdns_server not found (apt-get install -y pdns-server pdns-backend-sqlite3)');
  const schema = [
    '/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql',
    '/usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql',
  ].find(existsSync);
  if (!schema) throw new Error('the gsqlite3 schema was not found (apt-get install -y pdns-backend-sqlite3)');
  const dir = await mkdtemp(join(tmpdir(), 'rewind-pdns-'));
  const [port, webPort] = [await freePort(), await freePort()];
  const apiKey = randomBytes(16).toString('hex');
  const db = new Database(join(dir, 'pdns.sqlite3'));
  db.exec(readFileSync(schema, 'utf8'));
  db.close();
  await writeFile(
    join(dir, 'pdns.conf'),
    [
      'launch=gsqlite3',
      `gsqlite3-database=${join(dir, 'pdns.sqlite3')}`,
      'local-address=127.0.0.1',
      `local-port=${port}`,
      'api=yes',
      `api-key=${apiKey}`,
      'webserver=yes',
      'webserver-address=127.0.0.1',
      `webserver-port=${webPort}`,
      'webserver-allow-from=127.0.0.0/8',
      `socket-dir=${dir}`,
      'guardian=no',
      'daemon=no',
      'disable-syslog=yes',
      'loglevel=4',
      '',
    ].join('\n'),
  );
  const child = spawn(pdns, [`--config-dir=${dir}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  const server = started(child, dir, port);
  const apiUrl = `http://127.0.0.1:${webPort}`;
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`pdns_server exited (${child.exitCode}):\n${server.logs()}`);
      const ok = await fetch(`${apiUrl}/api/v1/servers/localhost`, { headers: { 'X-API-Key': apiKey } })
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`pdns_server's API did not answer within 30s:\n${server.logs()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const zone = `${options.zone}.`;
    const rrsets = [
      { name: zone, type: 'NS', ttl: 5, records: [{ content: `ns.${zone}`, disabled: false }] },
      ...options.records.map((r) => ({
        name: `${r.name}.`,
        type: r.type,
        ttl: 5,
        records: [{ content: r.content, disabled: false }],
      })),
    ];
    const created = await fetch(`${apiUrl}/api/v1/servers/localhost/zones`, {
      method: 'POST',
      headers: { 'X-API-Key': apiKey, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: zone, kind: 'Native', nameservers: [], rrsets }),
    });
    if (!created.ok) throw new Error(`creating the zone failed: ${created.status} ${await created.text()}`);
    await waitAnswering(port, options.zone, server, child);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { ...server, apiUrl, apiKey };
}
