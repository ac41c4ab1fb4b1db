import type { Database } from 'better-sqlite3';
import type { NewEvent, RewindEvent } from '../../core/model.js';
import type { EventQuery } from '../../core/ports/store.js';
import { toEvent } from './rows.js';
import { where } from './where.js';

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
      const result = insert.run(
        row.at,
        row.type,
        row.service,
        row.environment,
        row.rollbackId,
        row.revision,
        row.actor,
        row.message,
        JSON.stringify(row.data),
      );
      return { id: Number(result.lastInsertRowid), ...row };
    },
    listEvents: async (query: EventQuery = {}): Promise<RewindEvent[]> => {
      if (query.environments?.length === 0) return [];
      const filter = where({
        'service =': query.service,
        'environment =': query.environment,
        environment: query.environments,
        'rollback_id =': query.rollbackId,
        'id >': query.afterId,
        'at >=': query.since,
        'LOWER(actor) =': query.actor?.toLowerCase(),
        type: query.types,
      });
      const order = query.newest ? 'DESC' : 'ASC';
      const sql = `SELECT * FROM events ${filter.sql} ORDER BY id ${order} LIMIT ?`;
      const rows = (db.prepare(sql).all(...filter.args, query.limit ?? 1000) as Row[]).map(toEvent);
      return query.newest ? rows.reverse() : rows;
    },
    getEvent: async (id: number): Promise<RewindEvent | null> => {
      const row = db.prepare('SELECT * FROM events WHERE id = ?').get(id) as Row | undefined;
      return row ? toEvent(row) : null;
    },
  };
}
