import { resolve } from 'node:path';

const PG = resolve(import.meta.dirname, '../../node_modules/pg/lib/index.js');

/**
 * The test's own migration tool, as a team would have one: `node migrate.mjs
 * status|up|down --to=N`, its version kept in the table `app_version`, its
 * migrations read from `migrations.json` ([{ version, up: [sql…], down: [sql…] }]).
 * Statements run one by one WITHOUT a transaction, like many hand-written
 * tools: a down that fails half-way leaves half its work done, so only Rewind
 * can put the data back. It prints the connection URL it uses (the password
 * must never reach Rewind's output).
 */
export const MIGRATE_SCRIPT = `
import { readFileSync } from 'node:fs';
const { default: pg } = await import(${JSON.stringify(PG)});
const url = process.env.REWIND_DATABASE_URL;
const migrations = JSON.parse(readFileSync('migrations.json', 'utf8'));
const client = new pg.Client({ connectionString: url });
await client.connect();
await client.query('CREATE TABLE IF NOT EXISTS app_version (version int NOT NULL)');
const row = (await client.query('SELECT version FROM app_version')).rows[0];
let current = row ? row.version : 0;
const setVersion = async (v) => {
  await client.query('DELETE FROM app_version');
  await client.query('INSERT INTO app_version (version) VALUES ($1)', [v]);
  current = v;
};
const [command, arg] = process.argv.slice(2);
console.log('migrate.mjs ' + command + ' on ' + url);
try {
  if (command === 'status') {
    console.log(JSON.stringify({ version: String(current) }));
  } else if (command === 'up') {
    for (const m of migrations.filter((m) => m.version > current).sort((a, b) => a.version - b.version)) {
      for (const sql of m.up) await client.query(sql);
      await setVersion(m.version);
      console.log('applied ' + m.version);
    }
  } else if (command === 'down') {
    const to = Number(String(arg).replace('--to=', ''));
    for (const m of migrations.filter((m) => m.version > to && m.version <= current).sort((a, b) => b.version - a.version)) {
      for (const sql of m.down) await client.query(sql);
      await setVersion(m.version - 1 < to ? to : m.version - 1);
      console.log('reverted ' + m.version);
    }
    await setVersion(to);
  } else {
    throw new Error('unknown command ' + command);
  }
} catch (error) {
  console.error('migrate.mjs failed: ' + error.message);
  process.exitCode = 1;
} finally {
  await client.end();
}
`;

export interface Migration {
  version: number;
  up: string[];
  down: string[];
}

export const ITEMS: Migration = {
  version: 1,
  up: ['CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL)'],
  down: ['DROP TABLE items'],
};
export const COLOR: Migration = {
  version: 2,
  up: ['ALTER TABLE items ADD COLUMN color text'],
  down: ['ALTER TABLE items DROP COLUMN color'],
};
/** its down deletes every item, then fails: the half-done work a failing tool leaves behind */
export const BROKEN_DOWN: Migration = {
  version: 3,
  up: ['CREATE TABLE tags (id serial PRIMARY KEY, label text)'],
  down: ['DELETE FROM items', 'DROP TABLE no_such_table_here'],
};
