import type { Database } from 'better-sqlite3';
import { LATER_MIGRATIONS } from './later-migrations.js';

/** The store's own numbered migrations, append only: never edit a shipped one, add the next number. */
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
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        promoted_at INTEGER,
        UNIQUE (service, environment, revision)
      );
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
        created_at INTEGER NOT NULL,
        started_at INTEGER,
        finished_at INTEGER
      );
      -- the store itself refuses a second active rollback per service and environment
      CREATE UNIQUE INDEX rollbacks_one_active ON rollbacks (service, environment)
        WHERE status IN ('planned', 'running');
      CREATE TABLE steps (
        rollback_id TEXT NOT NULL REFERENCES rollbacks(id),
        idx INTEGER NOT NULL,
        name TEXT NOT NULL,
        title TEXT NOT NULL,
        params TEXT NOT NULL,
        timeout_ms INTEGER NOT NULL,
        on_failure TEXT NOT NULL,
        validation INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        output TEXT,
        error TEXT,
        started_at INTEGER,
        finished_at INTEGER,
        PRIMARY KEY (rollback_id, idx)
      );
      CREATE TABLE journal (
        rollback_id TEXT NOT NULL,
        step_idx INTEGER NOT NULL,
        attempt INTEGER NOT NULL,
        status TEXT NOT NULL,
        output TEXT,
        error TEXT,
        started_at INTEGER NOT NULL,
        finished_at INTEGER,
        PRIMARY KEY (rollback_id, step_idx, attempt)
      );
      CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
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
      -- append-only: the audit log cannot be edited through the store
      CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
      CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
      CREATE TABLE approvals (
        id TEXT PRIMARY KEY,
        service TEXT NOT NULL,
        environment TEXT NOT NULL,
        action TEXT NOT NULL,
        rollback_id TEXT,
        reason TEXT NOT NULL,
        requested_by TEXT NOT NULL,
        status TEXT NOT NULL,
        deadline INTEGER NOT NULL,
        on_timeout TEXT NOT NULL,
        decided_by TEXT,
        decided_at INTEGER,
        decision_reason TEXT,
        payload TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE backups (
        id TEXT PRIMARY KEY,
        database TEXT NOT NULL,
        kind TEXT NOT NULL,
        tables TEXT NOT NULL,
        path TEXT NOT NULL,
        size_bytes INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        service TEXT,
        environment TEXT,
        revision INTEGER,
        manifest TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE signal_samples (
        service TEXT NOT NULL,
        environment TEXT NOT NULL,
        revision INTEGER NOT NULL,
        metric TEXT NOT NULL,
        at INTEGER NOT NULL,
        value REAL NOT NULL,
        samples INTEGER NOT NULL,
        PRIMARY KEY (service, environment, revision, metric, at)
      );
      CREATE INDEX signal_samples_by_time ON signal_samples (at);
      CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id INTEGER NOT NULL,
        channel TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        last_error TEXT,
        created_at INTEGER NOT NULL,
        sent_at INTEGER,
        UNIQUE (event_id, channel)
      );
      CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'tokens',
    sql: `
      CREATE TABLE tokens (
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        environments TEXT,
        hash TEXT NOT NULL UNIQUE,
        created_by TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER,
        revoked_at INTEGER
      );
      CREATE UNIQUE INDEX tokens_one_active_name ON tokens (name) WHERE revoked_at IS NULL;
      `,
  },
  {
    version: 3,
    name: 'config files of releases',
    sql: `
      CREATE TABLE release_config_files (
        release_id TEXT NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        content TEXT,
        position INTEGER NOT NULL,
        saved_at INTEGER NOT NULL,
        PRIMARY KEY (release_id, path)
      );
    `,
  },
  {
    version: 4,
    name: 'strict executor',
    sql: `
      -- the process group an attempt started, so the next attempt can stop an orphan
      ALTER TABLE journal ADD COLUMN process_group INTEGER;
      -- one live release per service and environment: a constraint, not a convention.
      -- Stores written before it keep their newest live release live.
      UPDATE releases SET status = 'superseded'
        WHERE status = 'live' AND revision < (
          SELECT MAX(r.revision) FROM releases r
          WHERE r.service = releases.service AND r.environment = releases.environment AND r.status = 'live');
      CREATE UNIQUE INDEX releases_one_live ON releases (service, environment) WHERE status = 'live';
      -- leadership with a fencing token that only grows (a released lease keeps its row)
      ALTER TABLE leases ADD COLUMN token INTEGER NOT NULL DEFAULT 1;
      ALTER TABLE leases ADD COLUMN address TEXT;
      ALTER TABLE leases ADD COLUMN acquired_at INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE leases ADD COLUMN renewed_at INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    version: 5,
    name: 'dashboard sessions: hashes of the cookie and of the token, never either',
    sql: `
      CREATE TABLE sessions (
        id_hash TEXT PRIMARY KEY,
        token_hash TEXT NOT NULL,
        csrf TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        last_seen INTEGER NOT NULL
      );
      CREATE INDEX sessions_last_seen ON sessions (last_seen);
    `,
  },
  ...LATER_MIGRATIONS,
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? 0;

/** Applies the migrations this database has not seen, each in a transaction. */
export function migrate(db: Database): number[] {
  db.exec(
    'CREATE TABLE IF NOT EXISTS rewind_store_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
  );
  const applied = new Set(
    (db.prepare('SELECT version FROM rewind_store_migrations').all() as { version: number }[]).map((r) => r.version),
  );
  const ran: number[] = [];
  for (const migration of MIGRATIONS) {
    if (applied.has(migration.version)) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.prepare('INSERT INTO rewind_store_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        migration.version,
        migration.name,
        Date.now(),
      );
    })();
    ran.push(migration.version);
  }
  const newest = Math.max(0, ...applied, ...ran);
  if (newest > LATEST_SCHEMA_VERSION) {
    throw new Error(
      `state.db was written by a newer Rewind (store schema ${newest} > ${LATEST_SCHEMA_VERSION}); upgrade Rewind`,
    );
  }
  return ran;
}
