import { Cron } from 'croner';
import { DURATION_PATTERN, parseDuration } from '../core/duration.js';
import { entries, type Problem, type Rule } from './rule-kit.js';

/** `databases.<name>.backups`: a schedule croner can read, and an rpo no shorter than the schedule can keep. */
export const backupRules: Rule = (config) => {
  const problems: Problem[] = [];
  for (const [name, database] of entries(config.databases)) {
    const backups = database?.backups;
    if (!backups || typeof backups.schedule !== 'string') continue;
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
      const every = second.getTime() - first.getTime();
      if (parseDuration(backups.rpo) < every)
        problems.push({
          path: ['databases', name, 'backups', 'rpo'],
          message: `rpo ${backups.rpo} is shorter than the time between two scheduled backups (${every / 1000} s): it can never be met`,
          severity: 'warning',
        });
    }
  }
  return problems;
};
