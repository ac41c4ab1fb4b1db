import type { BackupKind } from '../model.js';

/**
 * The DatabaseAdapter port (DESIGN.md). One folder per engine under
 * src/database/<engine>/; differences are capability flags, never engine checks.
 */
export interface BackupResult {
  kind: BackupKind;
  tables: string[];
  /** directory holding the backup files and manifest.json */
  path: string;
  sizeBytes: number;
  /** sha256 of manifest.json */
  sha256: string;
  manifest: BackupManifest;
}

export interface BackupManifest {
  engine: string;
  engineVersion: string;
  kind: BackupKind;
  database: string;
  tables: string[];
  rowCounts: Record<string, number>;
  files: { name: string; sizeBytes: number; sha256: string }[];
  startedAt: number;
  durationMs: number;
  schemaVersion: string | null;
  guards: { service: string; environment: string; revision: number } | null;
}

export interface ValidationCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/** A configured check run on a scratch copy: passes when the first column of the first row is true or non-zero. */
export interface ValidationQuery {
  name: string;
  sql: string;
}

/** What restoring a backup into a scratch copy showed; the copy is gone when this is returned. */
export interface ScratchRestore {
  /** time the restore itself took (not the validation) */
  restoreMs: number;
  /** tables present, row counts as recorded in the manifest, constraints, then each query */
  checks: ValidationCheck[];
}

export interface MigrationStatus {
  current: string | null;
  applied: string[];
  available: { version: string; name: string; hasDown: boolean }[];
  /** set (to the directory) when the migrations directory does not exist; only a status report says so instead of failing */
  missingDir?: string;
}

export interface DatabaseStatus {
  engine: string;
  engineVersion: string;
  connections: number;
  maxConnections: number;
  readOnly: boolean;
  migration: MigrationStatus;
}

/**
 * What an engine can do; use cases branch on these, never on `engine`.
 * - parallelBackup: `jobs` > 1 speeds backup/restore up
 * - tableRestore: `restore(path, { tables })` and table backups are supported
 * - schemaBackup: `backup({ kind: 'schema' })` is supported
 * - readOnly: `setReadOnly` really stops writes from other sessions
 * - transactionalDdl: a failed migration step or table restore rolls back whole
 */
export interface DatabaseCapabilities {
  parallelBackup: boolean;
  tableRestore: boolean;
  schemaBackup: boolean;
  readOnly: boolean;
  transactionalDdl: boolean;
  /**
   * migrations run by the team's own tool: only the current version is known
   * (not which are pending), and a failed step may leave half its work; absent = false
   */
  opaqueMigrations?: boolean;
}

export interface DatabaseAdapter {
  readonly engine: string;
  /** the logical database name (the backup catalog's `database`) */
  readonly name: string;
  readonly capabilities: DatabaseCapabilities;
  /**
   * Environment that lets another client of this engine write while
   * `setReadOnly(true)` holds (a migration tool run inside a coordinated
   * rollback); absent = none is needed or none exists
   */
  readonly writerEnv?: Record<string, string>;
  /** `dir` is the backup's own directory: created, must not exist or be empty */
  backup(options: {
    kind: BackupKind;
    tables?: string[];
    dir: string;
    guards?: BackupManifest['guards'];
    schemaVersion?: string | null;
  }): Promise<BackupResult>;
  /** checksums of every file (and of manifest.json against `expectedSha256` when given), then an engine read of the dump */
  verify(path: string, expectedSha256?: string): Promise<ValidationCheck[]>;
  restore(path: string, options: { tables?: string[]; quarantineSuffix?: string }): Promise<string>;
  /**
   * Restores the backup into a scratch copy beside the database (PostgreSQL: a
   * temporary database on the same server; MySQL: a temporary schema; SQLite: a
   * temporary file), validates the copy as a real restore is validated, then drops
   * it. A restore that fails is a failed check, not a throw; the live database is
   * never touched. The checksums are not checked again: call `verify` first.
   */
  restoreToScratch(path: string, options: { queries?: ValidationQuery[] }): Promise<ScratchRestore>;
  /**
   * Drops the scratch copies of this database that a verification interrupted
   * by a crash left behind (a verification that ends drops its own); returns
   * their names. Only the leader verifies, so it calls this at the start of its term.
   */
  dropScratchCopies(): Promise<string[]>;
  setReadOnly(on: boolean): Promise<void>;
  status(): Promise<DatabaseStatus>;
  migrationStatus(dir: string): Promise<MigrationStatus>;
  migrateUp(dir: string, toVersion?: string): Promise<string[]>;
  migrateDown(dir: string, toVersion: string, options: { dryRun: boolean; allowDataLoss: boolean }): Promise<string[]>;
  validate(expected?: { tables?: string[]; rowCounts?: Record<string, number> }): Promise<ValidationCheck[]>;
  close(): Promise<void>;
}
