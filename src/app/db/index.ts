/** Database use cases: plain functions over explicit dependencies. */
export { record, type DbDeps, type DbEvent, type DbStore } from './deps.js';
export { takeBackup, type TakeBackupOptions } from './take-backup.js';
export { getBackup, listBackups, verifyBackup, type VerifyResult } from './verify-backup.js';
export { restoreBackup, type RestoreBackupOptions, type RestoreBackupResult } from './restore-backup.js';
export { migrateDown, type MigrateDownOptions, type MigrateDownResult } from './migrate-down.js';
export { pruneBackups, type PruneResult } from './prune-backups.js';
export { databaseFor, resolveDatabaseName, type DatabaseHandle } from './database-for.js';
export { createDbApi, backupView, type DbApi, type BackupView, type DbStatusView, type Who } from './db-api.js';
export { databaseStepHandlers } from './step-handlers.js';
export { migrateForRelease, planDatabase } from './coordinated.js';
export { applyRetention, backupsInUse } from './retention.js';
export { expectedTables } from './expected-tables.js';
export { startBackupSchedules, type BackupScheduleOptions } from './backup-schedule.js';
export { verifyByRestore, type VerifyByRestoreOptions } from './verify-by-restore.js';
export { recoveryPointOf } from './rpo-watch.js';
