import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { findBinary } from '../../src/database/shared/binaries.js';
import { freePort, missingPart } from './free-port.js';

/** Password of the test administrator `rewind`; tests check it never leaks. */
export const MYSQL_TEST_PASSWORD = 'my-Secr3t-never-shown';

export interface MariadbHarness {
  /** mysql://rewind:<password>@127.0.0.1:<port>/ — an administrator */
  url: string;
  /** creates a fresh database and returns the administrator's URL for it */
  createDatabase(name: string): Promise<string>;
  /** runs SQL as the administrator (multiple statements allowed) */
  admin(sql: string): Promise<void>;
  stop(): Promise<void>;
}

const SBIN = ['/usr/sbin', '/usr/local/sbin'];

/**
 * Starts a throwaway MariaDB server: `mariadb-install-db --datadir=<tmp>` then
 * `mariadbd` on a free port with its socket in the temp dir (as root with
 * --user=mysql), or uses REWIND_TEST_MYSQL_URL. Returns null after a loud warning
 * when MariaDB is not installed.
 */
export async function startMariadb(): Promise<MariadbHarness | null> {
  const override = process.env.REWIND_TEST_MYSQL_URL;
  if (override) return harness(override, async () => {});
  const install = findBinary(['mariadb-install-db', 'mysql_install_db'], SBIN);
  const server = findBinary(['mariadbd', 'mysqld'], SBIN);
  if (!install || !server) {
    missingPart('MariaDB (mariadb-install-db / mariadbd)');
    return null;
  }
  const root = mkdtempSync(join(tmpdir(), 'rewind-mariadb-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) execFileSync('chown', ['-R', 'mysql:mysql', root]);
  const data = join(root, 'data');
  const socket = join(root, 'sock');
  const userArgs = asRoot ? ['--user=mysql'] : [];
  const installed = spawnSync(
    install,
    [
      '--no-defaults',
      `--datadir=${data}`,
      ...userArgs,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      '--skip-name-resolve',
    ],
    { encoding: 'utf8' },
  );
  if (installed.status !== 0) throw new Error(`mariadb-install-db failed: ${installed.stderr}`);
  const port = await freePort();
  const child: ChildProcess = spawn(
    server,
    [
      '--no-defaults',
      `--datadir=${data}`,
      `--port=${port}`,
      `--socket=${socket}`,
      ...userArgs,
      '--bind-address=127.0.0.1',
      `--pid-file=${join(root, 'pid')}`,
      `--log-error=${join(root, 'err.log')}`,
      '--skip-name-resolve',
      '--innodb-flush-log-at-trx-commit=0',
      '--innodb-buffer-pool-size=64M',
      '--skip-log-bin',
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const c = await mysql.createConnection({ socketPath: socket, user: 'root', multipleStatements: true });
      await c.query(
        `CREATE USER 'rewind'@'127.0.0.1' IDENTIFIED BY '${MYSQL_TEST_PASSWORD}';
         GRANT ALL PRIVILEGES ON *.* TO 'rewind'@'127.0.0.1' WITH GRANT OPTION;`,
      );
      await c.end();
      break;
    } catch (error) {
      if (Date.now() > deadline || child.exitCode !== null) {
        child.kill('SIGKILL');
        rmSync(root, { recursive: true, force: true });
        throw new Error(`mariadbd did not start: ${(error as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return harness(`mysql://rewind:${MYSQL_TEST_PASSWORD}@127.0.0.1:${port}/`, async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(root, { recursive: true, force: true });
  });
}

function harness(url: string, stop: () => Promise<void>): MariadbHarness {
  const admin = async (sql: string): Promise<void> => {
    const c = await mysql.createConnection({ uri: url, multipleStatements: true });
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  let stopped = false;
  return {
    url,
    admin,
    async createDatabase(name) {
      await admin(`DROP DATABASE IF EXISTS \`${name}\`; CREATE DATABASE \`${name}\``);
      const next = new URL(url);
      next.pathname = `/${name}`;
      return next.toString();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await stop();
    },
  };
}
