import type { StepHandler } from '../../core/executor.js';
import type { Rollback, StepName } from '../../core/model.js';
import type { AppContext } from '../context.js';
import { databaseFor } from './database-for.js';
import { expectedTables } from './expected-tables.js';
import { migrateDown } from './migrate-down.js';
import { restoreBackup } from './restore-backup.js';
import { takeBackup } from './take-backup.js';

const nameOf = (params: Record<string, unknown>): string | undefined =>
  typeof params.database === 'string' ? params.database : undefined;

/**
 * The database steps of a coordinated rollback (issue 5 §6), registered through
 * `ctx.extraHandlers`. Each is idempotent: read-only twice is read-only, a
 * migrate-down already at its version is a no-op, a restore puts the same rows
 * back. The plan's read-write step lifts read-only, so the restore and the
 * migration keep writes stopped until traffic is on the target release.
 */
export function databaseStepHandlers(ctx: AppContext): Partial<Record<StepName, StepHandler>> {
  const open = (step: { params: Record<string, unknown> }, rollback: Rollback, log: (line: string) => void) => {
    const db = databaseFor(ctx, nameOf(step.params));
    return { db, deps: db.deps({ actor: rollback.requestedBy, emit: (e) => log(e.message) }) };
  };
  return {
    async 'read-only'(step, { rollback, log }) {
      const { db } = open(step, rollback, log);
      // runbook: "stop writes" — an engine without a server-side switch says so instead of pretending
      if (!db.adapter.capabilities.readOnly)
        return { skipped: `${db.adapter.engine} has no read-only mode: writes were NOT stopped` };
      await db.adapter.setReadOnly(true);
      return `database ${db.name} is read-only (other sessions were disconnected)`;
    },
    async 'read-write'(step, { rollback, log }) {
      const { db } = open(step, rollback, log);
      if (!db.adapter.capabilities.readOnly)
        return { skipped: `${db.adapter.engine} has no read-only mode: nothing to lift` };
      await db.adapter.setReadOnly(false);
      return `database ${db.name} accepts writes again`;
    },
    async 'migrate-down'(step, { rollback, log }) {
      const { db, deps } = open(step, rollback, log);
      const to = step.params.to === null || step.params.to === undefined ? '0' : String(step.params.to);
      // the data of the dropped columns is not lost: migrateDown takes a full backup first
      const result = await migrateDown(deps, {
        migrationsDir: db.migrationsDir,
        toVersion: to,
        allowDataLoss: true,
        backupFirst: true,
      });
      if (result.steps.length === 0) return `already at ${to}`;
      return [
        `migrated ${db.name} from ${result.from ?? 'nothing'} down to ${to}${result.backup ? ` (backup ${result.backup.id} taken first)` : ''}`,
        ...result.steps,
      ].join('\n');
    },
    async restore(step, { rollback, log }) {
      const { deps } = open(step, rollback, log);
      const result = await restoreBackup(deps, String(step.params.backupId), { leaveReadOnly: true });
      return `${result.message}; safety backup ${result.safety.id}`;
    },
    async 'validate-database'(step, { rollback, log }) {
      const { db } = open(step, rollback, log);
      const target = await ctx.store.getRelease(rollback.service, rollback.environment, rollback.toRevision);
      const wanted = target?.schemaVersion ?? null;
      const expected = await expectedTables(ctx, db, wanted);
      if (expected.from) log(`expecting the tables of backup ${expected.from} (schema ${wanted ?? 'none'})`);
      const checks = await db.adapter.validate({ tables: expected.tables });
      if (wanted !== null) {
        const { current } = await db.adapter.migrationStatus(db.migrationsDir);
        checks.push({
          name: 'schema version',
          ok: current === wanted,
          detail: `database at ${current ?? 'nothing'}, revision ${rollback.toRevision} needs ${wanted}`,
        });
      }
      for (const c of checks) log(`${c.ok ? 'ok' : 'FAILED'} ${c.name}: ${c.detail}`);
      const failed = checks.filter((c) => !c.ok);
      if (failed.length > 0)
        throw new Error(
          `database ${db.name} failed validation: ${failed.map((c) => `${c.name}: ${c.detail}`).join('; ')}`,
        );
      return `${checks.length} checks passed`;
    },
    async 'backup-database'(step, { rollback, log }) {
      const { deps } = open(step, rollback, log);
      const revision = rollback.fromRevision;
      const guards =
        revision === null ? null : { service: rollback.service, environment: rollback.environment, revision };
      const backup = await takeBackup(deps, { kind: 'full', guards, purpose: 'pre-rollback' });
      return `backup ${backup.id} (${backup.sizeBytes} bytes)`;
    },
  };
}
