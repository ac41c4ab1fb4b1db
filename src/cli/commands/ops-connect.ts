import { closeContext, composeContext } from '../../app/compose.js';
import type { OpsApi } from '../../app/ops/ops-api.js';
import { createOpsApi } from '../../app/ops/ops-api.js';
import { loadConfig, type LoadedConfig } from '../../config/load.js';
import type { Actor } from '../../app/context.js';
import { controllerUrl, inProcessActor } from '../connect.js';
import { resolveToken } from '../credentials.js';
import { createHttpCall } from '../http-call.js';
import { controllerReachable } from '../http-client.js';
import type { GlobalOptions } from '../options.js';

/** The controller's `/v1/services/…` routes as an OpsApi. */
function createHttpOpsApi(baseUrl: string, token: string | undefined): OpsApi {
  const call = createHttpCall(baseUrl, token);
  const at = (service: string, rest: string): string => `/v1/services/${encodeURIComponent(service)}${rest}`;
  return {
    restart: ({ service, actor: _actor, ...body }) => call('POST', at(service, '/restart'), body),
    stop: ({ service, actor: _actor, ...body }) => call('POST', at(service, '/stop'), body),
    start: ({ service, actor: _actor, ...body }) => call('POST', at(service, '/start'), body),
    setFlag: ({ service, flag, actor: _actor, ...body }) =>
      call('POST', at(service, `/flags/${encodeURIComponent(flag)}`), body),
    undoGroup: ({ actor: _actor, ...body }) => call('POST', '/v1/undo-group', body),
    configDiff: ({ service, environment, from, to }) =>
      call(
        'GET',
        at(
          service,
          `/config-diff?from=${from}&to=${to}${environment ? `&environment=${encodeURIComponent(environment)}` : ''}`,
        ),
      ),
    flags: (service, environment) =>
      call('GET', at(service, `/flags${environment ? `?environment=${encodeURIComponent(environment)}` : ''}`)),
  };
}

/**
 * The controller when one answers (it owns the local driver's processes),
 * otherwise the same use cases in-process, where a driver that needs an owner
 * says how to start one.
 */
export async function connectOps(
  options: GlobalOptions,
): Promise<{ api: OpsApi; actor: Actor; loaded: LoadedConfig; close(): Promise<void> }> {
  const loaded = loadConfig(options.config);
  const url = controllerUrl(options, loaded);
  if (await controllerReachable(url)) {
    // over HTTP the controller takes the identity from the token alone
    const api = createHttpOpsApi(url, resolveToken(options, loaded));
    return { api, actor: { name: 'controller' }, loaded, close: async () => undefined };
  }
  const ctx = composeContext(loaded, { owner: false });
  try {
    const actor = await inProcessActor(ctx, options, loaded);
    return { api: createOpsApi(ctx), actor, loaded, close: () => closeContext(ctx) };
  } catch (error) {
    await closeContext(ctx);
    throw error;
  }
}
