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

export interface MigrationStatus {
  current: string | null;
  applied: string[];
  available: { version: string; name: string; hasDown: boolean }[];
}

export interface DatabaseStatus {
  engine: string;
  engineVersion: string;
  connections: number;
  maxConnections: number;
  readOnly: boolean;
  migration: MigrationStatus;
}

export interface DatabaseAdapter {
  readonly engine: string;
  readonly capabilities: { parallelBackup: boolean; tableRestore: boolean; schemaBackup: boolean };
  backup(options: { kind: BackupKind; tables?: string[]; dir: string; guards?: BackupManifest['guards']; schemaVersion?: string | null }): Promise<BackupResult>;
  verify(path: string): Promise<ValidationCheck[]>;
  restore(path: string, options: { tables?: string[]; quarantineSuffix?: string }): Promise<string>;
  setReadOnly(on: boolean): Promise<void>;
  status(): Promise<DatabaseStatus>;
  migrationStatus(dir: string): Promise<MigrationStatus>;
  migrateUp(dir: string, toVersion?: string): Promise<string[]>;
  migrateDown(dir: string, toVersion: string, options: { dryRun: boolean; allowDataLoss: boolean }): Promise<string[]>;
  validate(expected?: { tables?: string[]; rowCounts?: Record<string, number> }): Promise<ValidationCheck[]>;
  close(): Promise<void>;
}
