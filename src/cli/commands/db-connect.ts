import { closeContext, composeContext } from '../../app/compose.js';
import type { DbApi, Who } from '../../app/db/db-api.js';
import { createDbApi } from '../../app/db/db-api.js';
import { CONTROLLER_LEASE, holdLeaseForCli } from '../../app/lease.js';
import type { LoadedConfig } from '../../config/load.js';
import { loadConfig } from '../../config/load.js';
import { ExitCode, UserError } from '../../core/errors.js';
import { controllerUrl, inProcessActor } from '../connect.js';
import { reachableController } from '../controller-identity.js';
import { resolveToken } from '../credentials.js';
import { masked } from '../masked.js';
import type { GlobalOptions } from '../options.js';
import { color, say } from '../output.js';
import { createHttpDbApi } from './db-http.js';
import { createHttpApi } from '../http-client.js';
import { startLive, type Live } from '../live.js';

/** Options every `rewind db` command takes. */
export interface DbOptions extends GlobalOptions {
  /** the database under `databases`; default: the only one */
  db?: string;
  /** run in this process even when a controller answers (the escape hatch when it is broken) */
  offline: boolean;
}

export interface DbConnection {
  api: DbApi;
  mode: 'controller' | 'in-process';
  /** who is asking, with progress lines to stderr when in-process */
  who: Who;
  /** through a controller: its story of the work (backup taken, restore started…) on stderr as it happens */
  follow?(): Promise<Live>;
  close(): Promise<void>;
}

/**
 * Like `connect`: the controller when one answers, otherwise in-process on the
 * same state.db; `--offline` always in-process. In-process runs need the
 * database's credentials and client binaries on this machine.
 */
export async function connectDb(options: DbOptions): Promise<DbConnection> {
  const who: Who = options.db ? { database: options.db } : {};
  const loaded = options.controller && !options.offline ? tryLoad(options.config) : loadConfig(options.config);
  if (!options.offline) {
    const url = controllerUrl(options, loaded);
    if (await reachableController(url, loaded)) {
      const token = resolveToken(options, loaded);
      return {
        api: createHttpDbApi(url, token),
        mode: 'controller',
        who,
        follow: () => startLive({ api: createHttpApi(url, token), service: null, environment: null }),
        close: async () => undefined,
      };
    }
    if (!loaded)
      throw new UserError(
        'NO_CONTROLLER',
        `no controller at ${url} — start one with: rewind serve, or pass --offline`,
        { exitCode: ExitCode.failed },
      );
  }
  const ctx = composeContext(loaded as LoadedConfig, { owner: false });
  const actor = await inProcessActor(ctx, options, loaded as LoadedConfig).catch(async (error: unknown) => {
    await closeContext(ctx);
    throw error;
  });
  try {
    // never beside a controller: the escape hatch takes the controller lease itself
    ctx.cleanup.push(await holdLeaseForCli(ctx, controllerUrl(options, loaded)));
  } catch (error) {
    await closeContext(ctx);
    throw error;
  }
  const lease = await ctx.store.getLease(CONTROLLER_LEASE);
  say(color.dim(`(in this process, holding the controller lease with token ${lease?.token ?? '?'} until done)`));
  return {
    api: masked(createDbApi(ctx), ctx.redact),
    mode: 'in-process',
    who: { ...who, actor: actor.name, progress: (event) => say(color.dim(`  ${event.message}`)) },
    close: () => closeContext(ctx),
  };
}

/** Runs `fn` on a connection and closes it; long work prints a heartbeat on stderr. */
export async function withDb<T>(
  options: DbOptions,
  what: string,
  fn: (connection: DbConnection) => Promise<T>,
  heartbeatMs = 5_000,
): Promise<T> {
  const connection = await connectDb(options);
  const started = Date.now();
  const timer = setInterval(
    () => say(color.dim(`… ${what} (${Math.round((Date.now() - started) / 1000)}s)`)),
    heartbeatMs,
  );
  timer.unref();
  const live = options.json ? null : await connection.follow?.().catch(() => null);
  try {
    return await fn(connection);
  } finally {
    clearInterval(timer);
    await live?.stop();
    await connection.close();
  }
}

function tryLoad(file: string): LoadedConfig | null {
  try {
    return loadConfig(file);
  } catch {
    return null;
  }
}
