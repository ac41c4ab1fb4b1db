import type { Database } from 'better-sqlite3';
import { newId } from '../../core/ids.js';
import type { Backup } from '../../core/model.js';
import type { OutboxItem, SignalSample } from '../../core/ports/store.js';
import { toBackup } from './rows.js';

type Row = Record<string, unknown>;

/** Backups catalog, per-second signal samples and the notification outbox. */
export function catalogQueries(db: Database) {
  const toOutbox = (r: Row): OutboxItem => ({
    id: Number(r.id),
    eventId: Number(r.event_id),
    channel: String(r.channel),
    status: r.status as OutboxItem['status'],
    attempts: Number(r.attempts),
    nextAttemptAt: Number(r.next_attempt_at),
    lastError: r.last_error === null ? null : String(r.last_error),
    createdAt: Number(r.created_at),
    sentAt: r.sent_at === null ? null : Number(r.sent_at),
  });
  const insertSample = db.prepare(
    'INSERT OR REPLACE INTO signal_samples (service, environment, revision, metric, at, value, samples) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const insertSamples = db.transaction((samples: SignalSample[]) => {
    for (const s of samples) insertSample.run(s.service, s.environment, s.revision, s.metric, s.at, s.value, s.samples);
  });
  return {
    addBackup: async (backup: Omit<Backup, 'id'> & { id?: string }): Promise<Backup> => {
      const id = backup.id ?? newId('bk', backup.createdAt);
      db.prepare(
        `INSERT INTO backups (id, database, kind, tables, path, size_bytes, sha256, service, environment, revision, manifest, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        id,
        backup.database,
        backup.kind,
        JSON.stringify(backup.tables),
        backup.path,
        backup.sizeBytes,
        backup.sha256,
        backup.service,
        backup.environment,
        backup.revision,
        JSON.stringify(backup.manifest),
        backup.createdAt,
      );
      return toBackup(db.prepare('SELECT * FROM backups WHERE id = ?').get(id) as Row);
    },
    getBackup: async (id: string) => {
      const row = db.prepare('SELECT * FROM backups WHERE id = ?').get(id) as Row | undefined;
      return row ? toBackup(row) : null;
    },
    listBackups: async (query: { database?: string } = {}) =>
      (query.database
        ? (db
            .prepare('SELECT * FROM backups WHERE database = ? ORDER BY created_at DESC, id DESC')
            .all(query.database) as Row[])
        : (db.prepare('SELECT * FROM backups ORDER BY created_at DESC, id DESC').all() as Row[])
      ).map(toBackup),
    deleteBackup: async (id: string) => {
      db.prepare('DELETE FROM backups WHERE id = ?').run(id);
    },
    setBackupManifest: async (id: string, manifest: Record<string, unknown>) => {
      db.prepare('UPDATE backups SET manifest = ? WHERE id = ?').run(JSON.stringify(manifest), id);
      const row = db.prepare('SELECT * FROM backups WHERE id = ?').get(id) as Row | undefined;
      return row ? toBackup(row) : null;
    },

    recordSamples: async (samples: SignalSample[]) => insertSamples(samples),
    readSamples: async (query: {
      service: string;
      environment: string;
      revision?: number;
      from: number;
      to: number;
    }) => {
      const rows = (
        query.revision === undefined
          ? db
              .prepare(
                'SELECT * FROM signal_samples WHERE service = ? AND environment = ? AND at >= ? AND at < ? ORDER BY at',
              )
              .all(query.service, query.environment, query.from, query.to)
          : db
              .prepare(
                'SELECT * FROM signal_samples WHERE service = ? AND environment = ? AND revision = ? AND at >= ? AND at < ? ORDER BY at',
              )
              .all(query.service, query.environment, query.revision, query.from, query.to)
      ) as Row[];
      return rows.map((r) => ({
        service: String(r.service),
        environment: String(r.environment),
        revision: Number(r.revision),
        metric: String(r.metric),
        at: Number(r.at),
        value: Number(r.value),
        samples: Number(r.samples),
      }));
    },
    pruneSamples: async (before: number) => db.prepare('DELETE FROM signal_samples WHERE at < ?').run(before).changes,

    enqueue: async (items: { eventId: number; channel: string }[], at: number) => {
      const insert = db.prepare(
        "INSERT OR IGNORE INTO outbox (event_id, channel, status, next_attempt_at, created_at) VALUES (?, ?, 'pending', ?, ?)",
      );
      let added = 0;
      db.transaction(() => {
        for (const item of items) added += insert.run(item.eventId, item.channel, at, at).changes;
      })();
      return added;
    },
    dueOutbox: async (at: number, limit: number) =>
      (
        db
          .prepare("SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?")
          .all(at, limit) as Row[]
      ).map(toOutbox),
    markOutbox: async (
      id: number,
      patch: Pick<OutboxItem, 'status' | 'attempts' | 'nextAttemptAt' | 'lastError' | 'sentAt'>,
    ) => {
      db.prepare(
        'UPDATE outbox SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ?, sent_at = ? WHERE id = ?',
      ).run(patch.status, patch.attempts, patch.nextAttemptAt, patch.lastError, patch.sentAt, id);
    },
    outboxBacklog: async () =>
      (db.prepare("SELECT COUNT(*) AS n FROM outbox WHERE status = 'pending'").get() as { n: number }).n,
    outboxFor: async (eventIds: number[]) => {
      if (eventIds.length === 0) return [];
      // json_each keeps it one statement however many events a rollback has
      return (
        db
          .prepare('SELECT * FROM outbox WHERE event_id IN (SELECT value FROM json_each(?)) ORDER BY id')
          .all(JSON.stringify(eventIds)) as Row[]
      ).map(toOutbox);
    },
  };
}
