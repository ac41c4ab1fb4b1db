/**
 * A throwaway PostgreSQL cluster for tests (DESIGN.md "Real parts"): initdb and
 * pg_ctl in a temp dir on a free port, run as `postgres` when the test runs as
 * root (initdb refuses root). `REWIND_TEST_PG_URL` overrides it all.
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../harness/prometheus.js';

const run = promisify(execFile);

export interface TestPostgres {
  url: string;
  stop(): Promise<void>;
}

function findBin(): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/lib/postgresql'];
  for (const dir of dirs) if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
  if (existsSync('/usr/lib/postgresql')) {
    for (const version of readdirSync('/usr/lib/postgresql').sort().reverse()) {
      const bin = join('/usr/lib/postgresql', version, 'bin');
      if (existsSync(join(bin, 'initdb'))) return bin;
    }
  }
  return null;
}

/** Starts a cluster, or returns null (with a loud warning) when PostgreSQL is missing outside CI. */
export async function startPostgres(options: { maxConnections?: number } = {}): Promise<TestPostgres | null> {
  if (process.env.REWIND_TEST_PG_URL) return { url: process.env.REWIND_TEST_PG_URL, stop: async () => undefined };
  const bin = findBin();
  if (!bin) {
    const message = 'PostgreSQL initdb/pg_ctl not found (apt-get install -y postgresql, or set REWIND_TEST_PG_URL)';
    if (process.env.CI === 'true') throw new Error(`${message}: required in CI`);
    console.warn(`\n!!! SKIPPING PostgreSQL tests: ${message} !!!\n`);
    return null;
  }
  const dir = mkdtempSync(join(tmpdir(), 'rewind-pg-'));
  const asRoot = process.getuid?.() === 0;
  const as = (argv: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', ...argv]] : [argv[0] as string, argv.slice(1)];
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const data = join(dir, 'data');
  const port = await freePort();
  await run(...as([join(bin, 'initdb'), '-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']));
  const settings = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=${options.maxConnections ?? 20} -c fsync=off`;
  await run(...as([join(bin, 'pg_ctl'), '-D', data, '-o', settings, '-l', join(dir, 'log'), '-w', 'start']));
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await run(...as([join(bin, 'pg_ctl'), '-D', data, '-m', 'immediate', '-w', 'stop'])).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
