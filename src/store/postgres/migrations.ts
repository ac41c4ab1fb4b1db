import type pg from 'pg';
import { LATER_MIGRATIONS } from './later-migrations.js';

/** The PostgreSQL store's migrations, append only, run under an advisory lock (controllers migrate once). */
const MIGRATIONS: { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'initial',
    sql: `
      CREATE TABLE releases (
        id TEXT PRIMARY KEY,
        service TEXT NOT NULL,
        environment TEXT NOT NULL,
        revision INTEGER NOT NULL,
        version TEXT NOT NULL,
        status TEXT NOT NULL,
        artifact TEXT,
        config_hash TEXT,
        schema_version TEXT,
        deployed_by TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        promoted_at BIGINT,
        UNIQUE (service, environment, revision)
      );
      -- one live release per service and environment: a constraint, not a convention
      CREATE UNIQUE INDEX releases_one_live ON releases (service, environment) WHERE status = 'live';
      CREATE TABLE rollbacks (
        id TEXT PRIMARY KEY,
        service TEXT NOT NULL,
        environment TEXT NOT NULL,
        kind TEXT NOT NULL,
        scope TEXT NOT NULL,
        status TEXT NOT NULL,
        from_revision INTEGER,
        to_revision INTEGER NOT NULL,
        reason TEXT NOT NULL,
        requested_by TEXT NOT NULL,
        error TEXT,
        created_at BIGINT NOT NULL,
        started_at BIGINT,
        finished_at BIGINT
      );
      CREATE UNIQUE INDEX rollbacks_one_active ON rollbacks (service, environment)
        WHERE status IN ('planned', 'running');
      CREATE TABLE steps (
        rollback_id TEXT NOT NULL REFERENCES rollbacks(id),
        idx INTEGER NOT NULL,
        name TEXT NOT NULL,
        title TEXT NOT NULL,
        params TEXT NOT NULL,
        timeout_ms BIGINT NOT NULL,
        on_failure TEXT NOT NULL,
        validation INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        output TEXT,
        error TEXT,
        started_at BIGINT,
        finished_at BIGINT,
        PRIMARY KEY (rollback_id, idx)
      );
      CREATE TABLE journal (
        rollback_id TEXT NOT NULL,
        step_idx INTEGER NOT NULL,
        attempt INTEGER NOT NULL,
        status TEXT NOT NULL,
        output TEXT,
        error TEXT,
        started_at BIGINT NOT NULL,
        finished_at BIGINT,
        process_group INTEGER,
        PRIMARY KEY (rollback_id, step_idx, attempt)
      );
      CREATE TABLE events (
        id BIGSERIAL PRIMARY KEY,
        at BIGINT NOT NULL,
        type TEXT NOT NULL,
        service TEXT,
        environment TEXT,
        rollback_id TEXT,
        revision INTEGER,
        actor TEXT NOT NULL,
        message TEXT NOT NULL,
        data TEXT NOT NULL
      );
      CREATE INDEX events_by_rollback ON events (rollback_id, id);
      CREATE INDEX events_by_service ON events (service, environment, id);
      -- append-only, enforced by the database: the audit log cannot be edited
      CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'events are append-only'; END $$;
      CREATE TRIGGER events_no_update BEFORE UPDATE OR DELETE ON events
        FOR EACH ROW EXECUTE FUNCTION events_append_only();
      CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
        FOR EACH STATEMENT EXECUTE FUNCTION events_append_only();
      CREATE TABLE approvals (
        id TEXT PRIMARY KEY,
        service TEXT NOT NULL,
        environment TEXT NOT NULL,
        action TEXT NOT NULL,
        rollback_id TEXT,
        reason TEXT NOT NULL,
        requested_by TEXT NOT NULL,
        status TEXT NOT NULL,
        deadline BIGINT NOT NULL,
        on_timeout TEXT NOT NULL,
        decided_by TEXT,
        decided_at BIGINT,
        decision_reason TEXT,
        payload TEXT NOT NULL,
        created_at BIGINT NOT NULL
      );
      CREATE TABLE backups (
        id TEXT PRIMARY KEY,
        database TEXT NOT NULL,
        kind TEXT NOT NULL,
        tables TEXT NOT NULL,
        path TEXT NOT NULL,
        size_bytes BIGINT NOT NULL,
        sha256 TEXT NOT NULL,
        service TEXT,
        environment TEXT,
        revision INTEGER,
        manifest TEXT NOT NULL,
        created_at BIGINT NOT NULL
      );
      CREATE TABLE signal_samples (
        service TEXT NOT NULL,
        environment TEXT NOT NULL,
        revision INTEGER NOT NULL,
        metric TEXT NOT NULL,
        at BIGINT NOT NULL,
        value DOUBLE PRECISION NOT NULL,
        samples INTEGER NOT NULL,
        PRIMARY KEY (service, environment, revision, metric, at)
      );
      CREATE INDEX signal_samples_by_time ON signal_samples (at);
      CREATE TABLE outbox (
        id BIGSERIAL PRIMARY KEY,
        event_id BIGINT NOT NULL,
        channel TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at BIGINT NOT NULL,
        last_error TEXT,
        created_at BIGINT NOT NULL,
        sent_at BIGINT,
        UNIQUE (event_id, channel)
      );
      -- the config files of each release, verbatim
      CREATE TABLE release_config_files (
        release_id TEXT NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        content TEXT,
        position INTEGER NOT NULL,
        saved_at BIGINT NOT NULL,
        PRIMARY KEY (release_id, path)
      );
      -- API tokens: only their SHA-256 hashes are kept
      CREATE TABLE tokens (
        id BIGSERIAL PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        environments TEXT,
        hash TEXT NOT NULL UNIQUE,
        created_by TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT,
        revoked_at BIGINT
      );
      CREATE UNIQUE INDEX tokens_one_active_name ON tokens (name) WHERE revoked_at IS NULL;
      CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        token BIGINT NOT NULL,
        address TEXT,
        acquired_at BIGINT NOT NULL,
        renewed_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'dashboard sessions: hashes of the cookie and of the token, never either',
    sql: `
      CREATE TABLE sessions (
        id_hash TEXT PRIMARY KEY,
        token_hash TEXT NOT NULL,
        csrf TEXT NOT NULL,
        created_at BIGINT NOT NULL, last_seen BIGINT NOT NULL
      );
      CREATE INDEX sessions_last_seen ON sessions (last_seen);
    `,
  },
  ...LATER_MIGRATIONS,
];

export const LATEST_PG_SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? 0;

/** Applies the migrations this database has not seen, each in a transaction, under an advisory lock. */
export async function migratePostgres(pool: pg.Pool, schema: string): Promise<number[]> {
  const client = await pool.connect();
  client.on('error', () => undefined); // a session ended under us fails the query, not the process
  const ran: number[] = [];
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`rewind-store-migrate:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await client.query(`SET search_path TO "${schema}"`);
    await client.query(
      'CREATE TABLE IF NOT EXISTS rewind_store_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
    );
    const applied = new Set(
      (await client.query<{ version: number }>('SELECT version FROM rewind_store_migrations')).rows.map((r) =>
        Number(r.version),
      ),
    );
    const newest = Math.max(0, ...applied);
    if (newest > LATEST_PG_SCHEMA_VERSION) {
      throw new Error(
        `the PostgreSQL store was written by a newer Rewind (store schema ${newest} > ${LATEST_PG_SCHEMA_VERSION}); upgrade Rewind`,
      );
    }
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query('INSERT INTO rewind_store_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
          migration.version,
          migration.name,
          Date.now(),
        ]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
      ran.push(migration.version);
    }
    return ran;
  } finally {
    await client
      .query('SELECT pg_advisory_unlock(hashtext($1))', [`rewind-store-migrate:${schema}`])
      .catch(() => undefined);
    client.release();
  }
}
