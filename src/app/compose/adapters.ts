import type { AppAdapters } from '../adapters.js';
import type { AppContext } from '../context.js';
import { buildBackupStore, buildDatabaseAdapter, buildDbConnectionsSource } from './databases.js';
import { buildOutbox } from './notifications.js';
import { buildDnsProvider } from './dns.js';

/**
 * The adapters use cases ask for by config key. Each is built when asked, from
 * the context as it is then (a leader's fenced store, the app's redactor).
 */
export function appAdapters(context: () => AppContext): AppAdapters {
  return {
    database: (name, migrationsDir) => buildDatabaseAdapter(context(), name, migrationsDir),
    backupStore: (name) => buildBackupStore(context(), name),
    dbConnections: (name) => buildDbConnectionsSource(context(), name),
    outbox: (options) => buildOutbox(context(), options),
    dns: (name) => buildDnsProvider(context(), name),
  };
}
