import { Gauge, type Registry } from 'prom-client';
import type { Backup } from '../core/model.js';
import type { Store } from '../core/ports/store.js';
import { recoveryPoint } from '../core/recovery-point.js';

/**
 * Recovery points per database, read from the backup catalog when Prometheus
 * scrapes: the age of the newest backup, the age of the newest verified one (what
 * an RPO alert compares) and the restore time its verification measured.
 */
export function exportBackupGauges(registry: Registry, store: Pick<Store, 'listBackups'>, now = Date.now): void {
  let cached: { at: number; points: [string, ReturnType<typeof recoveryPoint>][] } | null = null;
  // one catalog read per scrape, shared by the three gauges
  const points = async () => {
    const at = now();
    if (cached && at - cached.at < 500) return cached.points;
    const byDatabase = new Map<string, Backup[]>();
    for (const b of await store.listBackups()) byDatabase.set(b.database, [...(byDatabase.get(b.database) ?? []), b]);
    cached = { at, points: [...byDatabase].map(([name, backups]) => [name, recoveryPoint(backups, at)]) };
    return cached.points;
  };
  const gauge = (name: string, help: string, pick: (p: ReturnType<typeof recoveryPoint>) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ['database'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const [database, point] of await points()) {
          const value = pick(point);
          if (value !== null) this.set({ database }, value);
        }
      },
    });
  gauge('rewind_backup_age_seconds', 'Age of the newest backup of each database', (p) => p.ageSeconds);
  gauge(
    'rewind_backup_verified_age_seconds',
    'Age of the newest backup that passed verification by restore (compare with the RPO)',
    (p) => p.verifiedAgeSeconds,
  );
  gauge(
    'rewind_backup_restore_seconds',
    'Restore time measured by verifying the newest verified backup (compare with the RTO)',
    (p) => p.restoreSeconds,
  );
}
