import type { Database } from 'better-sqlite3';
import type { NewEvent, RewindEvent } from '../../core/model.js';
import type { EventQuery } from '../../core/ports/store.js';
import { toEvent } from './rows.js';

type Row = Record<string, unknown>;

export function eventQueries(db: Database) {
  const insert = db.prepare(
    'INSERT INTO events (at, type, service, environment, rollback_id, revision, actor, message, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  return {
    appendEvent: async (event: NewEvent, at: number): Promise<RewindEvent> => {
      const row: Omit<RewindEvent, 'id'> = {
        at: event.at ?? at,
        type: event.type,
        service: event.service ?? null,
        environment: event.environment ?? null,
        rollbackId: event.rollbackId ?? null,
        revision: event.revision ?? null,
        actor: event.actor ?? 'rewind',
        message: event.message ?? '',
        data: event.data ?? {},
      };
      const result = insert.run(row.at, row.type, row.service, row.environment, row.rollbackId, row.revision, row.actor, row.message, JSON.stringify(row.data));
      return { id: Number(result.lastInsertRowid), ...row };
    },
    listEvents: async (query: EventQuery = {}): Promise<RewindEvent[]> => {
      const where: string[] = [];
      const args: unknown[] = [];
      if (query.service) (where.push('service = ?'), args.push(query.service));
      if (query.environment) (where.push('environment = ?'), args.push(query.environment));
      if (query.rollbackId) (where.push('rollback_id = ?'), args.push(query.rollbackId));
      if (query.afterId !== undefined) (where.push('id > ?'), args.push(query.afterId));
      if (query.types?.length) (where.push(`type IN (${query.types.map(() => '?').join(',')})`), args.push(...query.types));
      const sql = `SELECT * FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT ?`;
      return (db.prepare(sql).all(...args, query.limit ?? 1000) as Row[]).map(toEvent);
    },
    getEvent: async (id: number): Promise<RewindEvent | null> => {
      const row = db.prepare('SELECT * FROM events WHERE id = ?').get(id) as Row | undefined;
      return row ? toEvent(row) : null;
    },
  };
}
