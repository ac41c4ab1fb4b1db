import type { RewindApi } from '../app/index.js';
import { createHttpCall } from './http-call.js';
import { send } from './transport.js';
import { ExitCode, UserError } from '../core/errors.js';

/** The CLI's view of a controller: the same API over HTTP, like kubectl's. */
export function createHttpApi(baseUrl: string, token: string | undefined): RewindApi {
  const call = createHttpCall(baseUrl, token);
  const query = (params: Record<string, string | number | undefined>): string => {
    const entries = Object.entries(params).filter(([, v]) => v !== undefined) as [string, string][];
    return entries.length
      ? `?${new URLSearchParams(entries.map(([k, v]): [string, string] => [k, String(v)])).toString()}`
      : '';
  };
  return {
    deploy: ({ actor: _actor, ...request }) => call('POST', '/v1/deploy', request),
    undo: ({ actor: _actor, ...request }) => call('POST', '/v1/undo', request),
    status: (service, environment) => call('GET', `/v1/status/${encodeURIComponent(service)}${query({ environment })}`),
    history: (service, environment) =>
      call('GET', `/v1/history/${encodeURIComponent(service)}${query({ environment })}`),
    // what a token may see is the controller's to decide: `visible` is never sent
    rollbacks: ({ visible: _visible, ...q }) => call('GET', `/v1/rollbacks${query(q)}`),
    rollback: (id) => call('GET', `/v1/rollbacks/${encodeURIComponent(id)}`),
    events: ({ visible: _visible, ...q }) => call('GET', `/v1/events${query(q)}`),
    approve: ({ id, actor: _actor, ...body }) => call('POST', `/v1/approvals/${encodeURIComponent(id)}/approve`, body),
    reject: ({ id, actor: _actor, ...body }) => call('POST', `/v1/approvals/${encodeURIComponent(id)}/reject`, body),
    approvals: ({ status, visible: _visible, ...q }) =>
      call('GET', `/v1/approvals${query({ ...q, status: status?.join(',') })}`),
    report: (id) => call('GET', `/v1/rollbacks/${encodeURIComponent(id)}/report`),
    // a drill outlives an HTTP request: start it, then poll its status
    drill: ({ actor: _actor, wait: _wait, ...request }) => call('POST', '/v1/drills', request),
    drillStatus: (id) => call('GET', `/v1/drills/${encodeURIComponent(id)}`),
  };
}

/** True when a controller answers /healthz within a short time. */
export async function controllerReachable(baseUrl: string, timeoutMs = 500): Promise<boolean> {
  return (await controllerHealth(baseUrl, timeoutMs)) !== null;
}

/** The body of a controller's /healthz when one answers within a short time, else null. */
export async function controllerHealth(baseUrl: string, timeoutMs = 500): Promise<Record<string, unknown> | null> {
  try {
    const answer = await send(`${baseUrl}/healthz`, { method: 'GET', timeoutMs });
    if (answer.status !== 200) return null;
    try {
      const body: unknown = JSON.parse(answer.text);
      return body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  } catch (error) {
    // a controller is there but its certificate is not trusted: say so rather than work around it in-process
    if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(String((error as { code?: unknown }).code ?? ''))) {
      throw new UserError(
        'TLS_UNTRUSTED',
        `the controller at ${baseUrl} presented a certificate this CLI does not trust (${(error as Error).message}); give its CA with --ca FILE or REWIND_CA=FILE`,
        { exitCode: ExitCode.failed },
      );
    }
    return null;
  }
}
