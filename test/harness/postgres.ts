import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { findBinary, postgresBinDirs } from '../../src/database/shared/binaries.js';
import { freePort, missingPart } from './free-port.js';

/** The password of the throwaway cluster's superuser; tests check it never leaks. */
export const PG_TEST_PASSWORD = 'pw-Secr3t-never-shown';

export interface PostgresHarness {
  /** URL of the `postgres` database, with the superuser password */
  url: string;
  /** creates a fresh database and returns its URL */
  createDatabase(name: string): Promise<string>;
  /** directory holding pg_ctl, pgbench… (null with REWIND_TEST_PG_URL) */
  binDir: string | null;
  /** stops the server (fast: connections are cut), keeps the data, starts it again after `downMs`; not with REWIND_TEST_PG_URL */
  outage?(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts a throwaway PostgreSQL cluster (initdb + pg_ctl) on a free port in a
 * temp dir, or uses REWIND_TEST_PG_URL. As root, initdb refuses to run, so both
 * run as `postgres` through runuser with the temp dir owned by postgres.
 * Returns null (after a loud warning) when PostgreSQL is not installed.
 */
export async function startPostgres(): Promise<PostgresHarness | null> {
  const override = process.env.REWIND_TEST_PG_URL;
  if (override)
    return {
      url: override,
      binDir: null,
      createDatabase: (name) => createDatabase(override, name),
      stop: async () => {},
    };
  const initdb = findBinary(['initdb'], postgresBinDirs());
  if (!initdb) {
    missingPart('PostgreSQL (initdb)');
    return null;
  }
  const binDir = initdb.slice(0, -'/initdb'.length);
  const pgCtl = join(binDir, 'pg_ctl');
  const root = mkdtempSync(join(tmpdir(), 'rewind-pg-'));
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]): void => {
    const [bin, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
    const result = spawnSync(bin, argv, { encoding: 'utf8', cwd: root });
    if (result.status !== 0) throw new Error(`${cmd} failed: ${result.stderr || result.stdout}`);
  };
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(root, uid, gid);
  }
  writeFileSync(join(root, 'pw'), PG_TEST_PASSWORD);
  if (asRoot) execFileSync('chown', ['postgres', join(root, 'pw')]);
  const data = join(root, 'data');
  run(initdb, [
    '-D',
    data,
    '-U',
    'postgres',
    '--pwfile',
    join(root, 'pw'),
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    '-E',
    'UTF8',
    '--no-sync',
  ]);
  const port = await freePort();
  const options = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50`;
  run(pgCtl, ['-D', data, '-l', join(root, 'log'), '-o', options, '-w', '-t', '60', 'start']);
  const url = `postgres://postgres:${encodeURIComponent(PG_TEST_PASSWORD)}@127.0.0.1:${port}/postgres`;
  let stopped = false;
  return {
    url,
    binDir,
    createDatabase: (name) => createDatabase(url, name),
    async outage(downMs) {
      run(pgCtl, ['-D', data, '-m', 'fast', '-w', 'stop']);
      await new Promise((resolve) => setTimeout(resolve, downMs));
      run(pgCtl, ['-D', data, '-l', join(root, 'log'), '-o', options, '-w', '-t', '60', 'start']);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        run(pgCtl, ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
}

async function createDatabase(url: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const next = new URL(url);
  next.pathname = `/${name}`;
  return next.toString();
}
