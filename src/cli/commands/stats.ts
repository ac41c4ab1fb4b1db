import type { Command } from 'commander';
import type { DeliveryStats } from '../../app/stats/delivery-stats.js';
import { formatDuration } from '../../core/duration.js';
import { ExitCode } from '../../core/errors.js';
import { action } from '../action.js';
import type { GlobalOptions } from '../options.js';
import { withGlobalOptions } from '../options.js';
import { printJson, printLines, say, table } from '../output.js';
import { connectGate } from './gate-connect.js';

interface StatsOptions extends GlobalOptions {
  since: string;
  service?: string;
}

const ms = (value: number | null): string | null => (value === null ? null : formatDuration(value));
const pct = (value: number | null): string | null => (value === null ? null : `${(value * 100).toFixed(1)}%`);

/** `rewind stats`: deployment frequency, change failure rate, time to restore and lead time per service. */
async function stats(options: StatsOptions): Promise<number> {
  const connection = await connectGate(options);
  try {
    const result = await connection.api.stats({
      since: options.since,
      ...(options.env ? { environment: options.env } : {}),
      ...(options.service ? { service: options.service } : {}),
    });
    if (options.json) {
      printJson(result);
      return ExitCode.ok;
    }
    if (result.services.length === 0) say(`no deploys in the last ${options.since}`);
    const row = (s: DeliveryStats) => [
      s.service,
      s.environment,
      s.deployments,
      s.deploymentsPerDay.toFixed(2),
      `${s.failedChanges} (${pct(s.changeFailureRate) ?? '—'})`,
      ms(s.timeToRestore.medianMs),
      ms(s.timeToRestore.p90Ms),
      ms(s.leadTimeMs),
    ];
    printLines(
      table(result.services.map(row), [
        'SERVICE',
        'ENVIRONMENT',
        'DEPLOYS',
        'PER DAY',
        'FAILED CHANGES',
        'RESTORE p50',
        'RESTORE p90',
        'LEAD TIME',
      ]),
    );
    return ExitCode.ok;
  } finally {
    await connection.close();
  }
}

export function register(program: Command): void {
  withGlobalOptions(
    program
      .command('stats')
      .description('delivery figures: deploys per day, change failure rate, time to restore, lead time'),
  )
    .option('--since <duration>', 'how far back, e.g. 30d, 90d, 12h', '90d')
    .option('--service <service>', 'only this service')
    .action(action(stats));
}
