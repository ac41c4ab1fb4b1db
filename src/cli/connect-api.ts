import { closeContext, composeContext } from '../app/compose.js';
import type { Actor, AppContext } from '../app/context.js';
import type { LoadedConfig } from '../config/load.js';
import { loadConfig } from '../config/load.js';
import { cliLease, leasedWrites } from './cli-lease.js';
import { controllerUrl, inProcessActor } from './connect.js';
import { resolveToken } from './credentials.js';
import type { HttpCall } from './http-call.js';
import { createHttpCall } from './http-call.js';
import { controllerReachable } from './http-client.js';
import type { GlobalOptions } from './options.js';

export interface ApiConnection<T> {
  api: T;
  actor: Actor;
  loaded: LoadedConfig;
  mode: 'controller' | 'in-process';
  close(): Promise<void>;
}

/**
 * One road to an area's use cases: the controller's routes when one answers
 * (identity from the token), otherwise the same use cases in-process on the same
 * store (identity from the token when given, else the local user), where the
 * calls named in `writes` first take the controller lease.
 */
export async function connectApi<T extends object>(
  options: GlobalOptions,
  overHttp: (call: HttpCall) => T,
  inProcess: (ctx: AppContext) => T,
  writes: readonly (keyof T)[],
): Promise<ApiConnection<T>> {
  const loaded = loadConfig(options.config);
  const url = controllerUrl(options, loaded);
  if (await controllerReachable(url)) {
    const api = overHttp(createHttpCall(url, resolveToken(options, loaded)));
    return { api, actor: { name: 'controller' }, loaded, mode: 'controller', close: async () => undefined };
  }
  const ctx = composeContext(loaded, { owner: false });
  try {
    const actor = await inProcessActor(ctx, options, loaded);
    const api = leasedWrites(inProcess(ctx), writes, cliLease(ctx, url));
    return { api, actor, loaded, mode: 'in-process', close: () => closeContext(ctx) };
  } catch (error) {
    await closeContext(ctx);
    throw error;
  }
}
