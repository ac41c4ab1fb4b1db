import type { FastifyInstance } from 'fastify';

const LOOPBACK = ['localhost', '127.0.0.1', '::1'];

/** The host part of a Host header, lower-cased, without port or IPv6 brackets. */
export function hostName(header: string | undefined): string | null {
  if (!header) return null;
  const value = header.trim().toLowerCase();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(value);
  if (bracketed) return bracketed[1] ?? null;
  const at = value.lastIndexOf(':');
  return at > 0 && value.indexOf(':') === at ? value.slice(0, at) : value;
}

/**
 * Closes DNS rebinding: a web page whose name resolves to 127.0.0.1 still sends
 * its own name as Host. Only the listen address, loopback names and
 * `controller.allowedHosts` are answered; anything else is 421. No CORS headers
 * are ever sent, so browsers keep other origins from reading answers.
 */
export function installHostCheck(app: FastifyInstance, listenHost: string, allowedHosts: readonly string[]): void {
  // a bare IPv6 literal (two colons or more) is a name as it stands
  const normal = (h: string) => (h.split(':').length > 2 && !h.startsWith('[') ? h.toLowerCase() : hostName(h));
  const allowed = new Set([listenHost, ...LOOPBACK, ...allowedHosts].map(normal));
  allowed.delete('0.0.0.0');
  allowed.delete('::');
  app.addHook('onRequest', async (request, reply) => {
    // liveness probes (a load balancer, a kubelet) use an address as Host; it tells nothing
    if (request.routeOptions.url === '/healthz') return;
    const name = hostName(request.headers.host);
    if (name && allowed.has(name)) return;
    return reply.status(421).send({
      error: {
        code: 'MISDIRECTED',
        message: `this controller does not answer to Host "${request.headers.host ?? ''}"; add it to controller.allowedHosts`,
      },
    });
  });
}
