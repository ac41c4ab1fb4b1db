import { resolve } from 'node:path';
import type { DatabaseConfig } from '../../config/schema/index.js';
import { parseDuration } from '../../core/duration.js';
import { ExitCode, UserError } from '../../core/errors.js';
import type { DatabaseAdapter } from '../../core/ports/database.js';
import { withCommandMigrations } from '../../database/command-migrations/index.js';
import { createMysqlAdapter } from '../../database/mysql/index.js';
import { createPostgresAdapter } from '../../database/postgres/index.js';
import { createSqliteAdapter } from '../../database/sqlite/index.js';
import { createS3BackupStore } from '../../database/stores/s3.js';
import type { BackupStore } from '../../core/ports/backup-store.js';
import { createDbConnectionsSource } from '../../monitor/providers/db-connections.js';
import type { ClosableSource } from '../adapters.js';
import type { AppContext } from '../context.js';

function configOf(ctx: AppContext, name: string): DatabaseConfig {
  const config = ctx.loaded.config.databases[name];
  if (!config)
    throw new UserError('UNKNOWN_DATABASE', `unknown database "${name}" (${ctx.loaded.file} declares no such key)`, {
      status: 400,
      exitCode: ExitCode.usage,
    });
  return config;
}

/**
 * The adapter of `databases.<name>` with the app's redactor, so no configured
 * secret reaches an error or an event; a `command` migration tool wraps the
 * engine's adapter and runs through the app's process runner.
 */
export function buildDatabaseAdapter(ctx: AppContext, name: string, migrationsDir: string): DatabaseAdapter {
  const config = configOf(ctx, name);
  const migrations = config.migrations;
  const engine = engineAdapter(ctx, name, config, migrationsDir);
  if (migrations?.tool !== 'command') return engine;
  return withCommandMigrations(engine, {
    runner: ctx.processes,
    status: migrations.status,
    down: migrations.down,
    up: migrations.up,
    cwd: resolve(ctx.loaded.baseDir, migrations.cwd),
    // the tool gets the database's URL without it being written into rewind.yaml twice
    env: { REWIND_DATABASE_URL: config.url, ...engine.writerEnv, ...migrations.env },
    timeoutMs: parseDuration(migrations.timeout),
    redact: ctx.redact,
  });
}

function engineAdapter(ctx: AppContext, name: string, config: DatabaseConfig, migrationsDir: string): DatabaseAdapter {
  if (config.migrations && config.migrations.tool !== 'sql' && config.migrations.tool !== 'command') {
    throw new UserError(
      'UNSUPPORTED',
      `databases.${name}.migrations.tool "${config.migrations.tool}" is not available in this build; use sql, or command with your tool's own commands`,
      { exitCode: ExitCode.usage },
    );
  }
  const common = { name, migrationsDir, redact: ctx.redact };
  switch (config.engine) {
    case 'postgres':
      return createPostgresAdapter({ ...common, url: config.url, jobs: config.backups.jobs });
    case 'mysql':
      return createMysqlAdapter({ ...common, url: config.url, jobs: config.backups.jobs });
    case 'sqlite':
      return createSqliteAdapter({ name, migrationsDir, path: resolve(ctx.loaded.baseDir, config.url) });
  }
}

/** `dbConnectionsPercent` of `databases.<name>`: connections in use over the server's limit. */
export function buildDbConnectionsSource(ctx: AppContext, name: string): ClosableSource {
  const config = configOf(ctx, name);
  return createDbConnectionsSource({ name, engine: config.engine, url: config.url, redact: ctx.redact });
}

/** `databases.<name>.backups.store`: the object store its backups are copied to, or null (the local dir only). */
export function buildBackupStore(ctx: AppContext, name: string): BackupStore | null {
  const store = configOf(ctx, name).backups.store;
  if (!store) return null;
  return createS3BackupStore({
    bucket: store.bucket,
    prefix: store.prefix,
    region: store.region,
    forcePathStyle: store.forcePathStyle,
    ...(store.endpoint ? { endpoint: store.endpoint } : {}),
    ...(store.accessKeyId && store.secretAccessKey
      ? { credentials: { accessKeyId: store.accessKeyId, secretAccessKey: store.secretAccessKey } }
      : {}),
    redact: ctx.redact,
  });
}
