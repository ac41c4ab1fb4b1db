import type { Command } from 'commander';
import { migrateStore } from '../../app/compose/store-migrate.js';
import { loadConfig } from '../../config/load.js';
import { ExitCode } from '../../core/errors.js';
import { action } from '../action.js';
import type { GlobalOptions } from '../options.js';
import { withGlobalOptions } from '../options.js';
import { printJson, say } from '../output.js';

/** The URL without its password, for output. */
function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(the given URL)';
  }
}

export interface StoreMigrateOptions extends GlobalOptions {
  from: string;
  to: string;
  schema?: string;
}

/** `rewind store migrate --from sqlite --to postgres://…`: copies the history, then point controller.store at it. */
export async function storeMigrate(options: StoreMigrateOptions): Promise<number> {
  const loaded = loadConfig(options.config);
  const result = await migrateStore(loaded, {
    from: options.from,
    to: options.to,
    ...(options.schema ? { schema: options.schema } : {}),
  });
  if (options.json) printJson(result);
  else {
    for (const [table, rows] of Object.entries(result.tables)) say(`  ${table}: ${rows} rows`);
    if (result.skipped.length) say(`  not in the PostgreSQL store, left behind: ${result.skipped.join(', ')}`);
    say(
      `copied ${result.from} to ${withoutPassword(options.to)}; now set controller.store: { type: postgres, url: … } and start the controllers`,
    );
  }
  return ExitCode.ok;
}

export function register(program: Command): void {
  const store = program.command('store').description("Rewind's own state store");
  withGlobalOptions(store.command('migrate').description('copy the SQLite state into an empty PostgreSQL store'))
    .requiredOption('--from <sqlite|path>', '"sqlite" (this project\'s state.db) or a path to a state.db')
    .requiredOption('--to <url>', 'postgres://user:password@host:port/database')
    .option('--schema <name>', 'PostgreSQL schema for the store', 'rewind')
    .action(action(storeMigrate));
}
