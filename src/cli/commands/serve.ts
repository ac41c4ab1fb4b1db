import type { Command } from 'commander';
import { startController } from '../../runtime/controller.js';
import { loadConfig } from '../../config/load.js';
import { ExitCode, errorMessage } from '../../core/errors.js';
import { action } from '../action.js';
import type { GlobalOptions } from '../options.js';
import { withGlobalOptions } from '../options.js';
import { say } from '../output.js';
import { controllerServices } from '../../runtime/services.js';

export interface ServeOptions extends GlobalOptions {
  listen?: string;
}

/**
 * `rewind serve`: runs the controller until SIGTERM/SIGINT, which drains and
 * exits; a second signal forces exit at once.
 */
export async function serve(options: ServeOptions): Promise<number> {
  const loaded = loadConfig(options.config);
  // a promise nobody handled is a bug to log, never a reason to die in the middle of a rollback
  process.on('unhandledRejection', (reason) =>
    process.stderr.write(`${new Date().toISOString()} unhandled rejection (still running): ${errorMessage(reason)}\n`),
  );
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
  return ExitCode.ok;
}

export function register(program: Command): void {
  withGlobalOptions(program.command('serve').description('run the controller: HTTP API, watching, rollbacks'))
    .option('--listen <host:port>', 'override controller.listen')
    .action(action(serve));
}
