import { conflict, notFound } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { Release, ReleaseStatus } from '../../core/model.js';
import type { NewRelease } from '../../core/ports/store.js';
import { toRelease } from '../sqlite/rows.js';
import type { Db } from './db.js';
import { violates } from './db.js';

export function releaseQueries(db: Db) {
  const one = async (id: string): Promise<Release> => {
    const [row] = await db.query('SELECT * FROM releases WHERE id = $1', [id]);
    if (!row) throw notFound(`release ${id}`);
    return toRelease(row);
  };
  return {
    createRelease: (input: NewRelease, at: number) =>
      db.tx(async (tx) => {
        // revision counts up per (service, environment), like Helm's; the lock keeps two deploys apart
        await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`release:${input.service}:${input.environment}`]);
        const [next] = await tx.query<{ next: number }>(
          'SELECT COALESCE(MAX(revision), 0) + 1 AS next FROM releases WHERE service = $1 AND environment = $2',
          [input.service, input.environment],
        );
        const id = newId('rel', at);
        await tx.query(
          `INSERT INTO releases (id, service, environment, revision, version, status, artifact, config_hash, schema_version, deployed_by, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)`,
          [
            id,
            input.service,
            input.environment,
            // the platform's own revision when it is ahead, so both agree
            input.revision !== undefined && input.revision > Number(next?.next ?? 1)
              ? input.revision
              : Number(next?.next ?? 1),
            input.version,
            input.status ?? 'deploying',
            input.artifact ?? null,
            input.configHash ?? null,
            input.schemaVersion ?? null,
            input.deployedBy,
            at,
          ],
        );
        return releaseQueries(tx).getById(id);
      }),
    getById: one,
    getRelease: async (service: string, environment: string, revision: number) => {
      const [row] = await db.query('SELECT * FROM releases WHERE service = $1 AND environment = $2 AND revision = $3', [
        service,
        environment,
        revision,
      ]);
      return row ? toRelease(row) : null;
    },
    listReleases: async (service: string, environment: string, limit = 100) =>
      (
        await db.query(
          'SELECT * FROM releases WHERE service = $1 AND environment = $2 ORDER BY revision DESC LIMIT $3',
          [service, environment, limit],
        )
      ).map(toRelease),
    releasesWithStatus: async (statuses: ReleaseStatus[]) =>
      (
        await db.query('SELECT * FROM releases WHERE status = ANY($1) ORDER BY service, environment, revision', [
          statuses,
        ])
      ).map(toRelease),
    setReleaseStatus: async (id: string, status: ReleaseStatus, at: number) => {
      try {
        await db.query('UPDATE releases SET status = $1, updated_at = $2 WHERE id = $3', [status, at, id]);
      } catch (error) {
        if (!violates(error, 'releases_one_live')) throw error;
        const release = await one(id);
        throw conflict(
          `${release.service} in ${release.environment} already has a live release; revision ${release.revision} cannot become live too`,
        );
      }
      return one(id);
    },
    updateRelease: async (
      id: string,
      patch: Partial<Pick<Release, 'schemaVersion' | 'artifact' | 'promotedAt'>>,
      at: number,
    ) => {
      const current = await one(id);
      await db.query(
        'UPDATE releases SET schema_version = $1, artifact = $2, promoted_at = $3, updated_at = $4 WHERE id = $5',
        [
          patch.schemaVersion !== undefined ? patch.schemaVersion : current.schemaVersion,
          patch.artifact !== undefined ? patch.artifact : current.artifact,
          patch.promotedAt !== undefined ? patch.promotedAt : current.promotedAt,
          at,
          id,
        ],
      );
      return one(id);
    },
  };
}
