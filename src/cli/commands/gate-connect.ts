import type { GateApi } from '../../app/gate/gate-api.js';
import { createGateApi } from '../../app/gate/gate-api.js';
import type { GateAnswer } from '../../app/gate/gate.js';
import { isUserError } from '../../core/errors.js';
import type { ApiConnection } from '../connect-api.js';
import { connectApi } from '../connect-api.js';
import type { HttpCall } from '../http-call.js';
import type { GlobalOptions } from '../options.js';

const q = (params: Record<string, string | undefined>): string => {
  const set = Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined);
  return set.length ? `?${new URLSearchParams(set).toString()}` : '';
};

/** The controller's gate, quarantine, freeze and stats routes as a GateApi. */
function createHttpGateApi(call: HttpCall): GateApi {
  return {
    async gate(query) {
      try {
        return await call<GateAnswer>('GET', `/v1/gate${q({ ...query })}`);
      } catch (error) {
        // 423 is an answer, not a failure: the version may not be deployed now
        if (isUserError(error) && error.status === 423 && error.details) return error.details as GateAnswer;
        throw error;
      }
    },
    quarantine: (query) => call('GET', `/v1/quarantine${q(query)}`),
    lift: ({ actor: _actor, ...body }) => call('POST', '/v1/quarantine/lift', body),
    freezes: (query) => call('GET', `/v1/freezes${q(query)}`),
    startFreeze: ({ actor: _actor, ...body }) => call('POST', '/v1/freezes', body),
    endFreeze: ({ actor: _actor, ...body }) => call('POST', '/v1/freezes/end', body),
    stats: (query) => call('GET', `/v1/stats${q({ ...query })}`),
    statsSeries: ({ buckets, ...query }) =>
      call('GET', `/v1/stats/series${q({ ...query, buckets: buckets === undefined ? undefined : String(buckets) })}`),
  };
}

export function connectGate(options: GlobalOptions): Promise<ApiConnection<GateApi>> {
  return connectApi(options, createHttpGateApi, createGateApi, ['lift', 'startFreeze', 'endFreeze']);
}
