import { newId } from '../../core/ids.js';
import type { Backup, ConfigFile } from '../../core/model.js';
import type { OutboxItem, SignalSample } from '../../core/ports/store.js';
import { toBackup } from '../sqlite/rows.js';
import type { Db } from './db.js';

type Row = Record<string, unknown>;

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

const toSample = (r: Row): SignalSample => ({
  service: String(r.service),
  environment: String(r.environment),
  revision: Number(r.revision),
  metric: String(r.metric),
  at: Number(r.at),
  value: Number(r.value),
  samples: Number(r.samples),
});

/** Backups catalog, per-second signal samples, the notification outbox and releases' config files. */
export function catalogQueries(db: Db) {
  const backup = async (id: string) => {
    const [row] = await db.query('SELECT * FROM backups WHERE id = $1', [id]);
    return row ? toBackup(row) : null;
  };
  return {
    addBackup: async (input: Omit<Backup, 'id'> & { id?: string }): Promise<Backup> => {
      const id = input.id ?? newId('bk', input.createdAt);
      await db.query(
        `INSERT INTO backups (id, database, kind, tables, path, size_bytes, sha256, service, environment, revision, manifest, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [
          id,
          input.database,
          input.kind,
          JSON.stringify(input.tables),
          input.path,
          input.sizeBytes,
          input.sha256,
          input.service,
          input.environment,
          input.revision,
          JSON.stringify(input.manifest),
          input.createdAt,
        ],
      );
      return (await backup(id)) as Backup;
    },
    getBackup: backup,
    listBackups: async (query: { database?: string } = {}) =>
      (query.database
        ? await db.query('SELECT * FROM backups WHERE database = $1 ORDER BY created_at DESC, id DESC', [
            query.database,
          ])
        : await db.query('SELECT * FROM backups ORDER BY created_at DESC, id DESC')
      ).map(toBackup),
    deleteBackup: async (id: string) => {
      await db.query('DELETE FROM backups WHERE id = $1', [id]);
    },
    setBackupManifest: async (id: string, manifest: Record<string, unknown>) => {
      await db.query('UPDATE backups SET manifest = $2 WHERE id = $1', [id, JSON.stringify(manifest)]);
      return backup(id);
    },

    recordSamples: async (samples: SignalSample[]) => {
      if (samples.length === 0) return;
      // one statement for the batch: the monitor writes every second
      await db.query(
        `INSERT INTO signal_samples (service, environment, revision, metric, at, value, samples)
         SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::bigint[], $6::float8[], $7::int[])
         ON CONFLICT (service, environment, revision, metric, at) DO UPDATE SET value = excluded.value, samples = excluded.samples`,
        [
          samples.map((s) => s.service),
          samples.map((s) => s.environment),
          samples.map((s) => s.revision),
          samples.map((s) => s.metric),
          samples.map((s) => s.at),
          samples.map((s) => s.value),
          samples.map((s) => s.samples),
        ],
      );
    },
    readSamples: async (query: { service: string; environment: string; revision?: number; from: number; to: number }) =>
      (query.revision === undefined
        ? await db.query(
            'SELECT * FROM signal_samples WHERE service = $1 AND environment = $2 AND at >= $3 AND at < $4 ORDER BY at',
            [query.service, query.environment, query.from, query.to],
          )
        : await db.query(
            'SELECT * FROM signal_samples WHERE service = $1 AND environment = $2 AND revision = $3 AND at >= $4 AND at < $5 ORDER BY at',
            [query.service, query.environment, query.revision, query.from, query.to],
          )
      ).map(toSample),
    pruneSamples: async (before: number) =>
      (await db.query('DELETE FROM signal_samples WHERE at < $1 RETURNING 1', [before])).length,

    enqueue: async (items: { eventId: number; channel: string }[], at: number) => {
      if (items.length === 0) return 0;
      const rows = await db.query(
        `INSERT INTO outbox (event_id, channel, status, next_attempt_at, created_at)
         SELECT e, c, 'pending', $3, $3 FROM unnest($1::bigint[], $2::text[]) AS t(e, c)
         ON CONFLICT (event_id, channel) DO NOTHING RETURNING id`,
        [items.map((i) => i.eventId), items.map((i) => i.channel), at],
      );
      return rows.length;
    },
    dueOutbox: async (at: number, limit: number) =>
      (
        await db.query("SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY id LIMIT $2", [
          at,
          limit,
        ])
      ).map(toOutbox),
    markOutbox: async (
      id: number,
      patch: Pick<OutboxItem, 'status' | 'attempts' | 'nextAttemptAt' | 'lastError' | 'sentAt'>,
    ) => {
      await db.query(
        'UPDATE outbox SET status = $1, attempts = $2, next_attempt_at = $3, last_error = $4, sent_at = $5 WHERE id = $6',
        [patch.status, patch.attempts, patch.nextAttemptAt, patch.lastError, patch.sentAt, id],
      );
    },
    outboxFor: async (eventIds: number[]) =>
      eventIds.length === 0
        ? []
        : (await db.query('SELECT * FROM outbox WHERE event_id = ANY($1::bigint[]) ORDER BY id', [eventIds])).map(
            toOutbox,
          ),
    saveConfigFiles: (releaseId: string, files: ConfigFile[], at: number) =>
      db.tx(async (tx) => {
        await tx.query('DELETE FROM release_config_files WHERE release_id = $1', [releaseId]);
        for (const [i, file] of files.entries()) {
          await tx.query(
            'INSERT INTO release_config_files (release_id, path, content, position, saved_at) VALUES ($1, $2, $3, $4, $5)',
            [releaseId, file.path, file.content, i, at],
          );
        }
      }),
    configFiles: async (releaseId: string): Promise<ConfigFile[]> =>
      (
        await db.query<{ path: string; content: string | null }>(
          'SELECT path, content FROM release_config_files WHERE release_id = $1 ORDER BY position',
          [releaseId],
        )
      ).map((row) => ({ path: row.path, content: row.content })),
    outboxBacklog: async () =>
      Number((await db.query<{ n: string }>("SELECT COUNT(*) AS n FROM outbox WHERE status = 'pending'"))[0]?.n ?? 0),
  };
}
