import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MYSQL_TEST_PASSWORD, startMariadb, type MariadbHarness } from '../harness/mariadb.js';
import { freePort, runCli, tempProject, type CliResult, type Project } from '../helpers/cli.js';

let server: MariadbHarness | null = null;
let project: Project;
let url = '';
const outputs: string[] = [];

async function db(...args: string[]): Promise<CliResult> {
  const result = await runCli(['db', ...args], { cwd: project.dir, env: { SHOP_DB_URL: url } });
  outputs.push(result.stdout, result.stderr);
  return result;
}

/** An ordinary application user: MariaDB's read_only stops it (administrators keep writing). */
async function asApp<T>(fn: (c: mysql.Connection) => Promise<T>): Promise<T> {
  const c = await mysql.createConnection({
    host: '127.0.0.1',
    port: Number(new URL(url).port),
    database: 'shop',
    user: 'app',
    password: 'app-pw',
  });
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  server = await startMariadb();
  if (!server) return;
  url = await server.createDatabase('shop');
  await server.admin(`USE shop; CREATE TABLE orders (id int PRIMARY KEY AUTO_INCREMENT, amount int NOT NULL) ENGINE=InnoDB;
    INSERT INTO orders (amount) VALUES (1), (2), (3);
    CREATE USER IF NOT EXISTS 'app'@'127.0.0.1' IDENTIFIED BY 'app-pw'; GRANT ALL ON shop.* TO 'app'@'127.0.0.1';`);
  project = tempProject('rewind-db-cli-maria-');
  project.write(
    'rewind.yaml',
    `version: 1
controller: { stateDir: state, listen: "127.0.0.1:${await freePort()}" }
environments: { production: {} }
services:
  api:
    driver: { type: command, start: ["true"], shiftTraffic: ["true"], retire: ["true"] }
databases:
  shop: { engine: mysql, url: "\${SHOP_DB_URL}" }
`,
  );
}, 120_000);

afterAll(async () => {
  await server?.stop();
  project?.cleanup();
});

describe('rewind db against MariaDB', () => {
  it('backup --json, verify, full restore --yes, read-only blocks the application user', async (ctx) => {
    if (!server) return ctx.skip();
    const taken = await db('backup', '--json');
    expect(taken.code, taken.stderr).toBe(0);
    const backup = JSON.parse(taken.stdout) as { id: string; kind: string; tables: string[]; sha256: string };
    expect(backup).toMatchObject({ kind: 'full', tables: ['orders'] });
    expect((await db('verify', backup.id)).code).toBe(0);

    await asApp((c) => c.query('DELETE FROM orders WHERE id = 2'));
    const restored = await db('restore', backup.id, '--yes', '--json');
    expect(restored.code, restored.stderr).toBe(0);
    expect(
      await asApp(async (c) => ((await c.query('SELECT count(*) AS n FROM orders'))[0] as { n: number }[])[0]?.n),
    ).toBe(3);

    expect((await db('read-only', 'on')).code).toBe(0);
    await expect(asApp((c) => c.query('INSERT INTO orders (amount) VALUES (4)'))).rejects.toThrow(/read-only/);
    expect((await db('read-only', 'off')).code).toBe(0);
    await asApp((c) => c.query('INSERT INTO orders (amount) VALUES (4)'));
    expect(outputs.join('\n')).not.toContain(MYSQL_TEST_PASSWORD);
  });
});
