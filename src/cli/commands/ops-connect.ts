import type { OpsApi } from '../../app/ops/ops-api.js';
import { createOpsApi } from '../../app/ops/ops-api.js';
import type { LoadedConfig } from '../../config/load.js';
import type { Actor } from '../../app/context.js';
import { connectApi } from '../connect-api.js';
import type { HttpCall } from '../http-call.js';
import type { GlobalOptions } from '../options.js';

/** The controller's `/v1/services/…` routes as an OpsApi. */
function createHttpOpsApi(call: HttpCall): OpsApi {
  const at = (service: string, rest: string): string => `/v1/services/${encodeURIComponent(service)}${rest}`;
  return {
    restart: ({ service, actor: _actor, ...body }) => call('POST', at(service, '/restart'), body),
    stop: ({ service, actor: _actor, ...body }) => call('POST', at(service, '/stop'), body),
    start: ({ service, actor: _actor, ...body }) => call('POST', at(service, '/start'), body),
    adopt: ({ service, actor: _actor, ...body }) => call('POST', at(service, '/adopt'), body),
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
  return connectApi(options, createHttpOpsApi, createOpsApi, [
    'restart',
    'stop',
    'start',
    'adopt',
    'setFlag',
    'undoGroup',
  ]);
}
