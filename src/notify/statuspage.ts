import type { Notifier } from '../core/ports/notifier.js';
import { DeliveryError } from './delivery-error.js';
import { requireHttpUrl, requireText, sendHttp } from './http.js';
import { createMemoryState, type NotifierState } from './notifier-state.js';
import { customerStage, renderCustomerMessage, type MessageTemplates } from './templates.js';

/** Options of `createStatusPageNotifier`. */
export interface StatusPageNotifierOptions {
  /** the channel name routes refer to */
  name: string;
  /** the API root; `POST <baseUrl>/incidents`, `PATCH <baseUrl>/incidents/:id` */
  baseUrl: string;
  /** sent as `Authorization: Bearer <token>`; default none */
  token?: string;
  /** the status page component of this service; default none */
  componentId?: string;
  /**
   * where the incident id of each rollback is remembered, so that a restart or a
   * retried delivery never opens a second incident; default in memory (lost on
   * restart: pass `createFileState(path)` or the store's kv in production)
   */
  state?: NotifierState;
  /** overrides of the customer-facing templates (`customer.initiated`, …) */
  templates?: MessageTemplates;
  /** give up on one request after this many ms; default 10 000 */
  timeoutMs?: number;
}

/**
 * A status page through a small REST API. The shape, which a thin
 * adapter in front of any status page product can serve:
 *
 * - `POST <baseUrl>/incidents` with `{ name, status: "investigating", message,
 *   externalId, service, environment, componentId?, componentStatus }` and the
 *   header `Idempotency-Key: rewind-<rollbackId>`; answers 2xx `{ "id": "…" }`
 *   (or `{ "incident": { "id": "…" } }`).
 * - `PATCH <baseUrl>/incidents/<id>` with `{ status, message, componentId?,
 *   componentStatus }`; status is `identified` on escalation or failure and
 *   `resolved` on completion.
 *
 * rollback.initiated creates the incident; escalated/failed/completed update it.
 * Other events are not sent. The texts are the customer-facing templates.
 */
export function createStatusPageNotifier(options: StatusPageNotifierOptions): Notifier {
  const name = requireText(options.name, 'statuspage notifier name');
  const baseUrl = requireHttpUrl(options.baseUrl, `statuspage notifier "${name}" baseUrl`).replace(/\/+$/, '');
  const state = options.state ?? createMemoryState();
  const what = `statuspage notifier "${name}"`;
  const secrets = [options.token, baseUrl];
  const headers: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  const component = (status: string): Record<string, unknown> =>
    options.componentId ? { componentId: options.componentId, componentStatus: status } : { componentStatus: status };

  const call = (
    method: 'POST' | 'PATCH',
    path: string,
    body: unknown,
    extra: Record<string, string>,
    signal?: AbortSignal,
  ) =>
    sendHttp({
      method,
      url: `${baseUrl}${path}`,
      body: JSON.stringify(body),
      headers: { ...headers, ...extra },
      timeoutMs: options.timeoutMs,
      signal,
      secrets,
      what,
    });

  return {
    name,
    type: 'statuspage',
    async send(message, signal) {
      const { event } = message;
      const stage = customerStage(event.type);
      const rollbackId = event.rollbackId ?? message.dedupKey;
      if (!stage || !rollbackId) return;
      const customer = renderCustomerMessage(event, options.templates) ?? { title: message.title, text: message.text };
      const key = `statuspage:${name}:${rollbackId}`;

      let incidentId = await state.get(key);
      if (!incidentId) {
        const created = await call(
          'POST',
          '/incidents',
          {
            name: customer.title,
            status: 'investigating',
            message: customer.text,
            externalId: rollbackId,
            service: event.service,
            environment: event.environment,
            ...component('degraded_performance'),
          },
          { 'idempotency-key': `rewind-${rollbackId}` },
          signal,
        );
        incidentId = incidentIdFrom(created.text, what);
        await state.set(key, incidentId);
        if (stage === 'initiated') return;
      }
      if (stage === 'initiated') return; // already created by an earlier try: nothing to do
      const resolved = stage === 'completed';
      await call(
        'PATCH',
        `/incidents/${encodeURIComponent(incidentId)}`,
        {
          status: resolved ? 'resolved' : 'identified',
          message: customer.text,
          ...component(resolved ? 'operational' : 'major_outage'),
        },
        {},
        signal,
      );
    },
  };
}

function incidentIdFrom(text: string, what: string): string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  const record = body as { id?: unknown; incident?: { id?: unknown } } | null;
  const id = record?.id ?? record?.incident?.id;
  if (typeof id === 'string' && id.length > 0) return id;
  if (typeof id === 'number') return String(id);
  // a 2xx without an id: retrying would create a duplicate, so give up loudly
  throw new DeliveryError(`${what}: POST /incidents answered without an incident id`, { retryable: false });
}
