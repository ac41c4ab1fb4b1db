import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { UserError } from '../../core/errors.js';
import { createRedactor, redactUrl, type Redactor } from '../shared/redact.js';

/**
 * One MySQL/MariaDB connection's settings for mysql2 and the client binaries.
 * The binaries get the password through a 0600 `--defaults-extra-file` that
 * lives only as long as the command, never on the command line.
 */
export interface MyConnection {
  database: string;
  redact: Redactor;
  withClient<T>(fn: (client: mysql.Connection) => Promise<T>): Promise<T>;
  /** runs `fn` with the path of a temporary option file holding the credentials */
  withOptionFile<T>(fn: (path: string) => Promise<T>): Promise<T>;
}

export function createMyConnection(url: string, extraRedact?: (text: string) => string): MyConnection {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UserError('BAD_DATABASE_URL', 'database url is not a valid mysql:// URL');
  }
  if (!/^(mysql|mariadb):$/.test(parsed.protocol))
    throw new UserError('BAD_DATABASE_URL', `database url ${redactUrl(url)} must start with mysql://`);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!database)
    throw new UserError(
      'BAD_DATABASE_URL',
      `database url ${redactUrl(url)} names no database (mysql://user:pass@host:port/<database>)`,
    );
  const settings = {
    host: decodeURIComponent(parsed.hostname) || '127.0.0.1',
    port: Number(parsed.port || 3306),
    user: decodeURIComponent(parsed.username) || 'root',
    password: decodeURIComponent(parsed.password),
  };
  const own = createRedactor(url);
  // the app's redactor (every secret of the config) runs after the connection's own
  const redact: Redactor = extraRedact ? (text) => extraRedact(own(text)) : own;
  return {
    database,
    redact,
    async withClient(fn) {
      let client: mysql.Connection;
      try {
        client = await mysql.createConnection({
          ...settings,
          database,
          multipleStatements: true,
          charset: 'utf8mb4',
          dateStrings: true,
        });
      } catch (error) {
        throw new UserError(
          'DB_CONNECT_FAILED',
          `cannot connect to ${redactUrl(url)}: ${redact((error as Error).message)}`,
        );
      }
      client.on('error', () => {});
      try {
        return await fn(client);
      } catch (error) {
        if (error instanceof UserError) throw error;
        throw new UserError('DB_QUERY_FAILED', `${database}: ${redact((error as Error).message)}`);
      } finally {
        await client.end().catch(() => {});
      }
    },
    async withOptionFile(fn) {
      const dir = await mkdtemp(join(tmpdir(), 'rewind-my-'));
      const path = join(dir, 'client.cnf');
      const quote = (v: string): string => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
      await writeFile(
        path,
        `[client]\nhost=${quote(settings.host)}\nport=${settings.port}\nuser=${quote(settings.user)}\npassword=${quote(settings.password)}\nprotocol=TCP\n`,
        { mode: 0o600 },
      );
      try {
        return await fn(path);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

export const tick = (name: string): string => `\`${name.split('`').join('``')}\``;
