import type { Command } from 'commander';
import { closeContext, composeContext } from '../../app/compose.js';
import { describeTarget, listAudit, type AuditTarget } from '../../app/access/audit.js';
import { isDuration, parseDuration } from '../../core/duration.js';
import { ExitCode, UserError } from '../../core/errors.js';
import type { RewindEvent } from '../../core/model.js';
import { loadConfig } from '../../config/load.js';
import { action } from '../action.js';
import { controllerUrl } from '../connect.js';
import { resolveToken } from '../credentials.js';
import { createHttpCall } from '../http-call.js';
import { controllerReachable } from '../http-client.js';
import type { GlobalOptions } from '../options.js';
import { withGlobalOptions } from '../options.js';
import { printJson, printLines, table, time } from '../output.js';

interface AuditOptions extends GlobalOptions {
  since?: string;
  actor?: string;
  limit?: string;
}

/** `rewind audit [--since 1h] [--actor alice]`: who called what, with which role, and what came of it. */
export async function audit(options: AuditOptions): Promise<number> {
  if (options.since !== undefined && !isDuration(options.since))
    throw new UserError('BAD_USAGE', `--since expects a duration like 1h, got "${options.since}"`, {
      exitCode: ExitCode.usage,
    });
  const limit = options.limit === undefined ? undefined : Number(options.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= 5000))
    throw new UserError('BAD_USAGE', `--limit expects 1–5000, got "${options.limit}"`, { exitCode: ExitCode.usage });
  const loaded = loadConfig(options.config);
  const url = controllerUrl(options, loaded);
  let entries: RewindEvent[];
  if (await controllerReachable(url)) {
    const query = new URLSearchParams({
      ...(options.since ? { since: options.since } : {}),
      ...(options.actor ? { actor: options.actor } : {}),
      ...(limit ? { limit: String(limit) } : {}),
    }).toString();
    entries = await createHttpCall(url, resolveToken(options, loaded))('GET', `/v1/audit${query ? `?${query}` : ''}`);
  } else {
    const ctx = composeContext(loaded, { owner: false });
    try {
      entries = await listAudit(ctx, {
        ...(options.since ? { since: Date.now() - parseDuration(options.since) } : {}),
        ...(options.actor ? { actor: options.actor } : {}),
        ...(limit ? { limit } : {}),
      });
    } finally {
      await closeContext(ctx);
    }
  }
  if (options.json) printJson(entries);
  else
    printLines(
      table(
        entries.map((e) => [
          time(e.at),
          e.actor,
          String(e.data.role ?? '-'),
          `${String(e.data.method)} ${String(e.data.route)}${describeTarget((e.data.target ?? {}) as AuditTarget)}`,
          String(e.data.status),
          String(e.data.outcome),
          String(e.data.remoteAddress ?? ''),
        ]),
        ['TIME', 'TOKEN', 'ROLE', 'CALL', 'STATUS', 'OUTCOME', 'FROM'],
      ),
    );
  return ExitCode.ok;
}

export function register(program: Command): void {
  withGlobalOptions(program.command('audit').description('the audit log: API calls that changed something, refusals'))
    .option('--since <duration>', 'only the last 1h, 24h, 7d…')
    .option('--actor <name>', 'only calls by this token name (any case)')
    .option('--limit <n>', 'at most this many, newest kept (default 1000)')
    .action(action(audit));
}
