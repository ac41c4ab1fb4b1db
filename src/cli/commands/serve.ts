import type { Command } from 'commander';
import { startController, type Controller } from '../../runtime/controller.js';
import { loadConfig } from '../../config/load.js';
import { parseDuration } from '../../core/duration.js';
import { ExitCode, errorMessage } from '../../core/errors.js';
import { action } from '../action.js';
import type { GlobalOptions } from '../options.js';
import { withGlobalOptions } from '../options.js';
import { say } from '../output.js';
import { controllerServices } from '../../runtime/services.js';
import { followConfigFile } from '../../runtime/config-watch.js';
import { leftRunningLines, runningNow } from '../../runtime/shutdown.js';
import { markStopping } from '../../runtime/stopping.js';
import { startWaitingForStopping } from '../../runtime/start-waiting.js';
import { runningFrontDoors } from '../../runtime/local/down.js';
import { register as registerDown } from './down.js';

export interface ServeOptions extends GlobalOptions {
  listen?: string;
}

/**
 * `rewind serve`: runs the controller until SIGTERM/SIGINT, which stops it within
 * `controller.stopTimeout` (running steps get all but 10 s of it), leaving
 * front doors and instances serving; a second signal exits at once. SIGHUP or a changed
 * rewind.yaml reloads it.
 */
export async function serve(options: ServeOptions): Promise<number> {
  const loaded = loadConfig(options.config);
  // a promise nobody handled is a bug to log, never a reason to die in the middle of a rollback
  process.on('unhandledRejection', (reason) =>
    process.stderr.write(`${new Date().toISOString()} unhandled rejection (still running): ${errorMessage(reason)}\n`),
  );
  const boundMs = parseDuration(loaded.config.controller.stopTimeout);
  const drainMs = Math.max(1000, boundMs - 10_000);
  const controller = await startWaitingForStopping(loaded, say, () =>
    startController(loaded, {
      ...(options.listen ? { listen: options.listen } : {}),
      ...controllerServices(loaded),
      drainTimeoutMs: drainMs,
    }),
  );
  const unfollow = followConfigFile(controller.ctx, say);
  say(`rewind controller listening on ${controller.url} (state: ${loaded.stateDir})`);
  const code = await new Promise<number>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals += 1;
      if (signals > 1) {
        say(`${signal} again: exiting now`);
        process.exit(ExitCode.failed);
      }
      say(
        `${signal}: stopping the controller within ${boundMs / 1000}s; front doors and instances keep serving (running steps get ${drainMs / 1000}s to finish; send it again to exit at once)…`,
      );
      unfollow();
      void stop(controller, loaded.stateDir, boundMs).then(resolve);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  // nothing this process started may keep it alive past its bound: the lock and ports go with it
  setTimeout(() => process.exit(code), 200).unref();
  return code;
}

async function stop(controller: Controller, stateDir: string, boundMs: number): Promise<number> {
  const unmark = markStopping(stateDir, boundMs);
  const forced = setTimeout(() => {
    say(`did not stop within ${boundMs / 1000}s: exiting now; the next controller resumes what was running`);
    unmark();
    process.exit(ExitCode.failed);
  }, boundMs);
  const before = await Promise.race([
    runningNow(controller).catch(() => []),
    new Promise<[]>((resolve) => setTimeout(() => resolve([]), 2000).unref()),
  ]);
  await controller.close();
  clearTimeout(forced);
  for (const line of await leftRunningLines(before)) say(line);
  unmark();
  say('controller stopped; its API port and state dir lock are released');
  // the service does not notice: its front doors and instances keep serving for the next controller
  const doors = runningFrontDoors(stateDir);
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
