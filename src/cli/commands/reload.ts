import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { ExitCode, UserError } from '../../core/errors.js';
import { action } from '../action.js';
import { controllerUrl } from '../connect.js';
import { reachableController } from '../controller-identity.js';
import { resolveToken } from '../credentials.js';
import type { RunningConfigAnswer } from '../config-drift.js';
import { createHttpCall } from '../http-call.js';
import type { GlobalOptions } from '../options.js';
import { withGlobalOptions } from '../options.js';
import { color, printJson, printLines, say, time } from '../output.js';

interface ReloadAnswer extends RunningConfigAnswer {
  changed: boolean;
  changes: { path: string; from: string | null; to: string | null; needsRestart: string | null }[];
  lines: string[];
}

/**
 * `rewind reload`: the controller reads its rewind.yaml again, applies what can
 * change while it runs and names what needs a restart. The diff goes to stdout;
 * a file with errors changes nothing (exit 2). The file is checked here first,
 * so a broken one is never sent.
 */
export async function reload(options: GlobalOptions): Promise<number> {
  const loaded = loadConfig(options.config);
  const url = controllerUrl(options, loaded);
  if (!(await reachableController(url, loaded)))
    throw new UserError(
      'NO_CONTROLLER',
      `no controller at ${url}; rewind serve reads ${options.config} when it starts`,
      {
        exitCode: ExitCode.failed,
      },
    );
  const answer = await createHttpCall(url, resolveToken(options, loaded))<ReloadAnswer>('POST', '/v1/reload', {});
  if (options.json) {
    printJson(answer);
    return ExitCode.ok;
  }
  if (answer.changed) {
    printLines(answer.lines);
  } else if (answer.last) {
    say(
      `nothing new: the controller already runs this file (applied at ${time(answer.last.at)} by ${answer.last.by}):`,
    );
    printLines(answer.last.lines);
  } else say('nothing new: the controller already runs this file');
  const pending = answer.changes.filter((c) => c.needsRestart).length || answer.pending.length;
  if (pending > 0)
    say(color.yellow(`${pending} change${pending === 1 ? ' waits' : 's wait'} for a restart of rewind serve`));
  return ExitCode.ok;
}

export function register(program: Command): void {
  withGlobalOptions(
    program
      .command('reload')
      .description('apply a changed rewind.yaml to the running controller; show and record the diff'),
  ).action(action(reload));
}
