/**
 * Any migration tool, by command (the runbooks' `mix ecto.rollback --to`,
 * `./scripts/database/migrations/rollback.sh --to=<version>`, `npx prisma
 * migrate …`): the engine adapter keeps backups, restore, read-only and
 * validation; the schema version and the up and down moves come from the
 * team's own commands. A tool reports only where the schema is, not which
 * migrations exist, so `capabilities.opaqueMigrations` tells the use cases that
 * pending migrations are unknown (deploy --migrate always runs `up`).
 */
import type { DatabaseAdapter, MigrationStatus } from '../../core/ports/database.js';
import { UserError } from '../../core/errors.js';
import type { ProcessRunner } from '../../core/ports/process.js';
import type { Redactor } from '../shared/redact.js';
import { runTool } from './run-tool.js';

export interface CommandMigrationsOptions {
  /** runs the tool's commands (the one process runner) */
  runner: ProcessRunner;
  /** prints the current version (its last line), or JSON `{ "version": … }` */
  status: string[];
  /** `{version}` is replaced by the version to go down to */
  down: string[];
  up: string[];
  /** absolute working directory */
  cwd: string;
  /** extra environment; default none */
  env?: Record<string, string>;
  /** time limit of one command; default 600000 */
  timeoutMs?: number;
  redact: Redactor;
  /** output lines of up and down, redacted (the journal in a rollback) */
  onLine?: (line: string) => void;
}

/** The version a status command printed: its last non-empty line, read as JSON `{ "version": … }` when it is one. */
export function parseVersion(output: string): string | null {
  const last = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .at(-1);
  if (last === undefined) return null;
  try {
    const parsed = JSON.parse(last) as { version?: unknown };
    if (parsed && typeof parsed === 'object' && 'version' in parsed)
      return parsed.version === null || parsed.version === undefined ? null : String(parsed.version);
  } catch {
    // not JSON: the line is the version
  }
  return last;
}

export function withCommandMigrations(adapter: DatabaseAdapter, options: CommandMigrationsOptions): DatabaseAdapter {
  const run = (argv: string[], onLine?: (line: string) => void) =>
    runTool(argv, {
      runner: options.runner,
      cwd: options.cwd,
      env: options.env ?? {},
      timeoutMs: options.timeoutMs ?? 600_000,
      redact: options.redact,
      ...(onLine ? { onLine } : {}),
    });
  const show = (argv: string[]): string => `$ ${argv.join(' ')}`;

  async function migrationStatus(): Promise<MigrationStatus> {
    const current = parseVersion(await run(options.status));
    // every applied version can be gone down from: the tool knows how
    return {
      current,
      applied: current === null ? [] : [current],
      available: current === null ? [] : [{ version: current, name: 'current', hasDown: true }],
    };
  }

  return Object.assign(Object.create(adapter) as DatabaseAdapter, {
    capabilities: { ...adapter.capabilities, opaqueMigrations: true },
    migrationStatus,
    async status() {
      return { ...(await adapter.status()), migration: await migrationStatus() };
    },
    async migrateUp() {
      const lines: string[] = [show(options.up)];
      await run(options.up, (line) => {
        lines.push(line);
        options.onLine?.(line);
      });
      return lines;
    },
    async migrateDown(_dir: string, toVersion: string, mode: { dryRun: boolean }) {
      if (!/^[A-Za-z0-9_.:-]{1,100}$/.test(toVersion))
        throw new UserError(
          'BAD_VERSION',
          `a migration version is letters, digits and . _ : -, got ${JSON.stringify(toVersion)}`,
          {
            status: 400,
            exitCode: 2,
          },
        );
      const { current } = await migrationStatus();
      if (current === toVersion) return [];
      const argv = options.down.map((a) => a.split('{version}').join(toVersion));
      if (mode.dryRun) return [show(argv)];
      const lines: string[] = [show(argv)];
      await run(argv, (line) => {
        lines.push(line);
        options.onLine?.(line);
      });
      const after = (await migrationStatus()).current;
      if (after !== toVersion)
        throw new UserError(
          'MIGRATE_DOWN_INCOMPLETE',
          `${argv[0]} exited 0 but the schema is at ${after ?? 'nothing'}, not ${toVersion}`,
        );
      return lines;
    },
  });
}
