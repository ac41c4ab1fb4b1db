import type { FastifyInstance } from 'fastify';
import { PARSERS, type AlertSource } from '../alerts/index.js';
import type { AlertReceipt } from '../app/alerts/receive.js';
import type { Actor } from '../app/context.js';
import type { IncomingAlert } from '../core/ports/alerts.js';
import type { Authenticate } from './auth.js';
import { identityOf } from './auth.js';
import { on } from './route-access.js';

export type ReceiveAlerts = (alerts: IncomingAlert[], actor: Actor) => Promise<AlertReceipt[]>;

const PATHS: Record<AlertSource, string> = {
  alertmanager: '/v1/alerts/alertmanager',
  grafana: '/v1/alerts/grafana',
  generic: '/v1/alerts',
};

/**
 * The alert receivers: Alertmanager's webhook, Grafana's, and a generic JSON
 * shape. Each takes a `receiver` token (Alertmanager's `http_config.authorization`
 * with a bearer credential works as shipped); a malformed payload is a 400 that
 * changes nothing. The answer says what Rewind did with each alert.
 */
export function alertRoutes(receive: ReceiveAlerts, authenticate: Authenticate = identityOf) {
  return (app: FastifyInstance): void => {
    for (const [source, path] of Object.entries(PATHS) as [AlertSource, string][]) {
      app.post(
        path,
        {
          schema: { body: { type: 'object' } },
          config: { access: { action: 'alert.receive', target: on.global } },
        },
        async (request) => {
          const alerts = PARSERS[source](request.body, Date.now());
          return { alerts: await receive(alerts, await authenticate(request)) };
        },
      );
    }
  };
}
