import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { ExitCode, UserError } from '../../core/errors.js';
import { downProject } from '../../runtime/local/down.js';
import { action } from '../action.js';
import type { GlobalOptions } from '../options.js';
import { withGlobalOptions } from '../options.js';
import { printJson, say } from '../output.js';

/** Whether a controller answers on `controller.listen`: it would start again what `down` stops. */
async function controllerAnswers(listen: string): Promise<boolean> {
  try {
    const answer = await fetch(`http://${listen}/healthz`, { signal: AbortSignal.timeout(1500) });
    return answer.status > 0;
  } catch {
    return false;
  }
}

/**
 * `rewind down`: stops the project's front doors and local instances and
 * removes their run files — the explicit way to take the service down, since
 * stopping `rewind serve` leaves them serving.
 */
export async function down(options: GlobalOptions): Promise<number> {
  const loaded = loadConfig(options.config);
  if (await controllerAnswers(loaded.config.controller.listen))
    throw new UserError(
      'CONTROLLER_RUNNING',
      `a controller answers on ${loaded.config.controller.listen}: stop \`rewind serve\` first (SIGTERM), then run \`rewind down\``,
      { exitCode: ExitCode.failed },
    );
  const result = await downProject(loaded.stateDir);
  if (options.json) printJson(result);
  else {
    for (const door of result.frontDoors)
      say(`front door of ${door.service}: ${door.stopped ? `stopped (pid ${door.pid})` : 'was not running'}`);
    for (const release of result.releases)
      say(
        `${release.release}: ${release.stopped} instance(s) stopped${release.notOurs ? `, ${release.notOurs} pid(s) now another process's, left alone` : ''}`,
      );
    if (result.frontDoors.length === 0 && result.releases.length === 0) say('nothing was running');
  }
  return ExitCode.ok;
}

export function register(program: Command): void {
  withGlobalOptions(
    program
      .command('down')
      .description('stop the project’s front doors and local instances (serve leaves them running)'),
  ).action(action(down));
}
