import type { Clock } from '../../core/clock.js';
import type { BackupStore } from '../../core/ports/backup-store.js';
import type { DatabaseAdapter } from '../../core/ports/database.js';
import type { Store } from '../../core/ports/store.js';

/** The slice of the Store the database use cases need. */
export type DbStore = Pick<
  Store,
  'addBackup' | 'getBackup' | 'listBackups' | 'deleteBackup' | 'setBackupManifest' | 'appendEvent'
>;

/** Progress and audit events of the database use cases; also appended to the store. */
export interface DbEvent {
  type: string;
  message: string;
  data: Record<string, unknown>;
}

/**
 * Explicit dependencies of every database use case: no config
 * import; compose.ts (or a test) builds them.
 */
export interface DbDeps {
  adapter: DatabaseAdapter;
  store: DbStore;
  clock: Clock;
  /** directory holding the backups, one sub-directory per backup id */
  dir: string;
  /** progress for a CLI or SSE stream; the audit trail goes to the store either way */
  emit?: (event: DbEvent) => void;
  /** where copies of each backup go off the host; default none (the local dir only) */
  offsite?: BackupStore | null;
  /** who asked; default "rewind" */
  actor?: string;
}

/** Emits an event and appends it to the audit log; the audit write never hides the real error. */
export async function record(
  deps: DbDeps,
  type: string,
  message: string,
  data: Record<string, unknown> = {},
): Promise<void> {
  const event = { type, message, data: { database: deps.adapter.name, ...data } };
  deps.emit?.(event);
  await deps.store.appendEvent({ ...event, actor: deps.actor ?? 'rewind' }, deps.clock.now()).catch(() => {});
}
