import type { Command } from 'commander';
import { startController } from '../../runtime/controller.js';
import { loadConfig } from '../../config/load.js';
import { ExitCode } from '../../core/errors.js';
import { action } from '../action.js';
import type { GlobalOptions } from '../options.js';
import { withGlobalOptions } from '../options.js';
import { say } from '../output.js';
import { controllerServices } from '../../runtime/services.js';
import { runningFrontDoors } from '../../runtime/local/down.js';
import { register as registerDown } from './down.js';

export interface ServeOptions extends GlobalOptions {
  listen?: string;
}

/**
 * `rewind serve`: runs the controller until SIGTERM/SIGINT, which drains and
 * exits, leaving front doors and instances serving; a second signal forces exit at once.
 */
export async function serve(options: ServeOptions): Promise<number> {
  const loaded = loadConfig(options.config);
  const controller = await startController(loaded, {
    ...(options.listen ? { listen: options.listen } : {}),
    ...controllerServices(loaded),
  });
  say(`rewind controller listening on ${controller.url} (state: ${loaded.stateDir})`);
  await new Promise<void>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals += 1;
      if (signals > 1) {
        say(`${signal} again: exiting now`);
        process.exit(ExitCode.failed);
      }
      say(`${signal}: draining (send it again to exit at once)…`);
      void controller.close().then(resolve);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  say('controller stopped');
  // the service does not notice: its front doors and instances keep serving for the next controller
  const doors = runningFrontDoors(loaded.stateDir);
  if (doors.length > 0)
    say(
      `still serving: ${doors.map((d) => `${d.service} on port ${d.port} (pid ${d.pid})`).join(', ')}; \`rewind down\` stops them`,
    );
  return ExitCode.ok;
}

export function register(program: Command): void {
  withGlobalOptions(program.command('serve').description('run the controller: HTTP API, watching, rollbacks'))
    .option('--listen <host:port>', 'override controller.listen')
    .action(action(serve));
  registerDown(program);
}
