import { describe, expect, it } from 'vitest';
import { preMigrationBackup } from '../../src/app/db/retention.js';
import type { Backup } from '../../src/core/model.js';

const backup = (id: string, revision: number, schemaVersion: string | null, purpose = 'pre-migrate'): Backup => ({
  id,
  database: 'app',
  kind: 'full',
  tables: [],
  path: `/b/${id}`,
  sizeBytes: 1,
  sha256: 'x',
  service: 'web',
  environment: 'production',
  revision,
  createdAt: revision * 1000,
  manifest: { schemaVersion, purpose },
});

describe('which pre-migration backup a restore-based rollback uses', () => {
  const catalog = [backup('b2', 2, '1'), backup('b3', 3, '2'), backup('m3', 3, '2', 'manual'), backup('b5', 5, '3')];
  const guard = { service: 'web', environment: 'production' };

  it('rolling back one release: the backup taken just before that release migrated', () => {
    expect(preMigrationBackup(catalog, { ...guard, afterRevision: 2, upToRevision: 3 }, '2')?.id).toBe('b3');
  });

  it('rolling back across two migrating releases: the backup at the target’s schema version, not the newest', () => {
    expect(preMigrationBackup(catalog, { ...guard, afterRevision: 1, upToRevision: 3 }, '1')?.id).toBe('b2');
  });

  it('never a manual backup, nor one of another service or outside the range', () => {
    expect(preMigrationBackup(catalog, { ...guard, afterRevision: 3, upToRevision: 4 }, '2')).toBeNull();
    expect(
      preMigrationBackup(
        catalog,
        { service: 'api', environment: 'production', afterRevision: 0, upToRevision: 9 },
        '1',
      ),
    ).toBeNull();
  });
});
