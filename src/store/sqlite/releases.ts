import type { Database } from 'better-sqlite3';
import { conflict } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { Release, ReleaseStatus } from '../../core/model.js';
import type { NewRelease } from '../../core/ports/store.js';
import { toRelease } from './rows.js';

type Row = Record<string, unknown>;

export function releaseQueries(db: Database) {
  const byId = db.prepare('SELECT * FROM releases WHERE id = ?');
  // prepared once: the monitor asks for each watched release every second
  const bySlot = db.prepare('SELECT * FROM releases WHERE service = ? AND environment = ? AND revision = ?');
  const latest = db.prepare(
    'SELECT * FROM releases WHERE service = ? AND environment = ? ORDER BY revision DESC LIMIT ?',
  );
  const one = (id: string): Release => toRelease(byId.get(id) as Row);
  const insert = db.transaction((input: NewRelease, at: number): Release => {
    // revision counts up per (service, environment), like Helm's
    const { next } = db
      .prepare('SELECT COALESCE(MAX(revision), 0) + 1 AS next FROM releases WHERE service = ? AND environment = ?')
      .get(input.service, input.environment) as { next: number };
    const id = newId('rel', at);
    db.prepare(
      `INSERT INTO releases (id, service, environment, revision, version, status, artifact, config_hash, schema_version, deployed_by, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      id,
      input.service,
      input.environment,
      input.revision !== undefined && input.revision > next ? input.revision : next,
      input.version,
      input.status ?? 'deploying',
      input.artifact ?? null,
      input.configHash ?? null,
      input.schemaVersion ?? null,
      input.deployedBy,
      at,
      at,
    );
    return one(id);
  });

  return {
    createRelease: async (input: NewRelease, at: number) => insert(input, at),
    getRelease: async (service: string, environment: string, revision: number) => {
      const row = bySlot.get(service, environment, revision);
      return row ? toRelease(row as Row) : null;
    },
    listReleases: async (service: string, environment: string, limit = 100) =>
      (latest.all(service, environment, limit) as Row[]).map(toRelease),
    releasesWithStatus: async (statuses: ReleaseStatus[]) =>
      (
        db
          .prepare(
            `SELECT * FROM releases WHERE status IN (${statuses.map(() => '?').join(',')}) ORDER BY service, environment, revision`,
          )
          .all(...statuses) as Row[]
      ).map(toRelease),
    setReleaseStatus: async (id: string, status: ReleaseStatus, at: number) => {
      try {
        db.prepare('UPDATE releases SET status = ?, updated_at = ? WHERE id = ?').run(status, at, id);
      } catch (error) {
        // the partial unique index: one live release per (service, environment)
        if (error instanceof Error && /UNIQUE constraint failed: releases\.service/.test(error.message)) {
          const release = one(id);
          throw conflict(
            `${release.service} in ${release.environment} already has a live release; revision ${release.revision} cannot become live too`,
          );
        }
        throw error;
      }
      return one(id);
    },
    updateRelease: async (
      id: string,
      patch: Partial<Pick<Release, 'schemaVersion' | 'artifact' | 'promotedAt'>>,
      at: number,
    ) => {
      const current = one(id);
      db.prepare(
        'UPDATE releases SET schema_version = ?, artifact = ?, promoted_at = ?, updated_at = ? WHERE id = ?',
      ).run(
        patch.schemaVersion !== undefined ? patch.schemaVersion : current.schemaVersion,
        patch.artifact !== undefined ? patch.artifact : current.artifact,
        patch.promotedAt !== undefined ? patch.promotedAt : current.promotedAt,
        at,
        id,
      );
      return one(id);
    },
  };
}
