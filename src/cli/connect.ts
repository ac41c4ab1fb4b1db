import { closeContext, composeContext } from '../app/compose.js';
import type { RewindApi } from '../app/index.js';
import { createApi } from '../app/index.js';
import type { LoadedConfig } from '../config/load.js';
import { loadConfig } from '../config/load.js';
import { ExitCode, UserError, isUserError } from '../core/errors.js';
import { verifyToken } from '../app/access/tokens.js';
import type { Actor, AppContext } from '../app/context.js';
import { localActorName, resolveToken } from './credentials.js';
import { cliLease } from './cli-lease.js';
import { masked } from './masked.js';
import { createHttpApi } from './http-client.js';
import { reachableController } from './controller-identity.js';
import { warnOnConfigDrift } from './config-drift.js';
import type { GlobalOptions } from './options.js';

export interface Connection {
  api: RewindApi;
  mode: 'controller' | 'in-process';
  url: string;
  loaded: LoadedConfig | null;
  /**
   * who acts in-process: the token's name when one is given, else the local
   * user (who can write state.db anyway). Over HTTP the controller takes the
   * identity from the token and ignores this.
   */
  actor: Actor;
  close(): Promise<void>;
}

/** In-process the token still names the caller; a token given explicitly must be valid. */
export async function inProcessActor(
  ctx: AppContext,
  options: Pick<GlobalOptions, 'token' | 'config'>,
  loaded: LoadedConfig,
): Promise<Actor> {
  const token = resolveToken(options, loaded);
  const identity = token ? await verifyToken(ctx, token) : null;
  if (identity) return { name: identity.name };
  if (options.token ?? process.env.REWIND_TOKEN) {
    throw new UserError(
      'UNAUTHENTICATED',
      'the API token given (--token or REWIND_TOKEN) is unknown, revoked or expired',
      {
        exitCode: ExitCode.failed,
      },
    );
  }
  return { name: localActorName() };
}

export function controllerUrl(options: GlobalOptions, loaded: LoadedConfig | null): string {
  const explicit = options.controller ?? process.env.REWIND_CONTROLLER;
  if (explicit) return checkedUrl(explicit, options.controller ? '--controller' : 'REWIND_CONTROLLER');
  const scheme = loaded?.config.controller.tls ? 'https' : 'http';
  return `${scheme}://${loaded?.config.controller.listen ?? '127.0.0.1:7070'}`;
}

/** A controller address as typed: an http(s) URL, or a usage error that says what was expected. */
function checkedUrl(text: string, from: string): string {
  let url: URL | null = null;
  try {
    url = new URL(text);
  } catch {
    url = null;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.host)
    throw new UserError('BAD_CONTROLLER_URL', `${from} expects a URL like http://127.0.0.1:7070, got "${text}"`, {
      exitCode: ExitCode.usage,
    });
  return text.replace(/\/$/, '');
}

/**
 * Calls the controller when one answers; otherwise runs the same use cases
 * in-process on the same store. Actions that need a long-lived owner of processes
 * (the local driver) say how to start one instead.
 */
export async function connect(options: GlobalOptions): Promise<Connection> {
  const loaded = options.controller ? tryLoad(options.config) : loadConfig(options.config);
  const url = controllerUrl(options, loaded);
  if (await reachableController(url, loaded)) {
    if (loaded) await warnOnConfigDrift(url, resolveToken(options, loaded), loaded);
    return {
      api: createHttpApi(url, resolveToken(options, loaded)),
      mode: 'controller',
      url,
      loaded,
      actor: { name: 'controller' },
      close: async () => undefined,
    };
  }
  if (!loaded)
    throw new UserError('NO_CONTROLLER', `no controller at ${url} — start one with: rewind serve`, {
      exitCode: ExitCode.failed,
    });
  const ctx = composeContext(loaded, { owner: false });
  const actor = await inProcessActor(ctx, options, loaded).catch(async (error: unknown) => {
    await closeContext(ctx);
    throw error;
  });
  const inner = createApi(ctx);
  // work that changes state runs here only under the controller lease, never beside a controller
  const lease = cliLease(ctx, url);
  const leasing =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      await lease();
      return fn(...args);
    };
  const needsController = (error: unknown): never => {
    if (isUserError(error) && error.code === 'NO_CONTROLLER') {
      throw new UserError('NO_CONTROLLER', `no controller at ${url} — start one with: rewind serve`, {
        exitCode: ExitCode.failed,
      });
    }
    throw error;
  };
  const api: RewindApi = {
    deploy: leasing((r) => inner.deploy(r).catch(needsController)),
    undo: leasing((r) => inner.undo({ ...r, wait: true }).catch(needsController)),
    status: (s, e) => inner.status(s, e).catch(needsController),
    history: (s, e) => inner.history(s, e),
    rollbacks: (q) => inner.rollbacks(q),
    rollback: (id) => inner.rollback(id),
    events: (q) => inner.events(q),
    // in-process there is nobody to finish a rollback later: wait for it
    approve: leasing((r) => inner.approve({ ...r, wait: true }).catch(needsController)),
    reject: leasing((r) => inner.reject(r)),
    approvals: (q) => inner.approvals(q),
    report: (id) => inner.report(id),
    // without a controller the drill runs here and this command waits for it
    drill: leasing((r) => inner.drill({ ...r, wait: true }).catch(needsController)),
    drillStatus: (id) => inner.drillStatus(id),
  };
  return { api: masked(api, ctx.redact), mode: 'in-process', url, loaded, actor, close: () => closeContext(ctx) };
}

function tryLoad(file: string): LoadedConfig | null {
  try {
    return loadConfig(file);
  } catch {
    return null;
  }
}
