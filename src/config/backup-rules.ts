import { Cron } from 'croner';
import { DURATION_PATTERN, parseDuration } from '../core/duration.js';
import { entries, type Problem, type Rule } from './rule-kit.js';

/**
 * `databases.<name>.backups`: `tables` exactly when `kind` is tables, a schedule
 * croner can read, and an rpo no shorter than the schedule (times `verifyEvery`:
 * only verified backups count) can keep.
 */
export const backupRules: Rule = (config) => {
  const problems: Problem[] = [];
  for (const [name, database] of entries(config.databases)) {
    const backups = database?.backups;
    if (!backups) continue;
    const tables = Array.isArray(backups.tables) ? backups.tables : [];
    if (backups.kind === 'tables' && tables.length === 0)
      problems.push({
        path: ['databases', name, 'backups', 'tables'],
        message: 'expected the tables a scheduled backup of kind tables holds, e.g. tables: [orders, customers]',
      });
    if (backups.kind !== 'tables' && tables.length > 0)
      problems.push({
        path: ['databases', name, 'backups', 'kind'],
        message: `expected kind: tables with tables (${tables.join(', ')}), got kind ${backups.kind ?? 'full'}`,
      });
    if (typeof backups.schedule !== 'string') continue;
    const path = ['databases', name, 'backups', 'schedule'];
    let cron: Cron;
    try {
      cron = new Cron(backups.schedule, { paused: true });
    } catch (error) {
      problems.push({
        path,
        message: `expected a cron expression ("*/15 * * * *", seconds first when 6 fields), got "${backups.schedule}": ${(error as Error).message}`,
      });
      continue;
    }
    const [first, second] = cron.nextRuns(2);
    cron.stop();
    if (first && second && typeof backups.rpo === 'string' && new RegExp(DURATION_PATTERN).test(backups.rpo)) {
      const nth = typeof backups.verifyEvery === 'number' && backups.verifyEvery > 1 ? backups.verifyEvery : 1;
      const every = (second.getTime() - first.getTime()) * nth;
      const between = nth > 1 ? `two verified scheduled backups (verifyEvery ${nth})` : 'two scheduled backups';
      if (parseDuration(backups.rpo) < every)
        problems.push({
          path: ['databases', name, 'backups', 'rpo'],
          message: `rpo ${backups.rpo} is shorter than the time between ${between} (${every / 1000} s): it can never be met`,
          severity: 'warning',
        });
    }
  }
  return problems;
};
