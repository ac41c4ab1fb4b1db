import { createServer, type Server } from 'node:http';
import { once } from 'node:events';

/** A site's health endpoint whose answer the test sets: 200 healthy, anything else not. */
export interface HealthSite {
  url: string;
  status: number;
  close(): Promise<void>;
}

export async function healthSite(): Promise<HealthSite> {
  const site = { status: 200 } as HealthSite;
  const server: Server = createServer((_request, response) => {
    response.statusCode = site.status;
    response.end(site.status === 200 ? 'ok' : 'down');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  site.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/health/ready`;
  site.close = () => new Promise((done) => server.close(() => done()));
  return site;
}

/** rewind.yaml with the `dns:` and `sites:` shapes of the failover contract. */
export function failoverConfig(options: {
  dns: string;
  primaryUrl: string;
  drUrl: string;
  listen: string;
  extra?: string;
  drExtra?: string;
}): string {
  return `version: 1
controller:
  listen: ${options.listen}
environments:
  production: {}
services: {}
dns:
${options.dns}
sites:
  primary:
    health: { url: "${options.primaryUrl}" }
    records: [ { dns: zone, name: app.example.test, type: A, values: [127.0.0.1], ttl: 2 } ]
  dr:
    health: { url: "${options.drUrl}" }
    records: [ { dns: zone, name: app.example.test, type: A, values: [127.0.0.2], ttl: 2 } ]
${options.drExtra ?? ''}
${options.extra ?? ''}
`;
}
