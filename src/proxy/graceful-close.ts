/**
 * Stopping a front door's listener without dropping a request: used when another
 * process goes on serving on the same socket (a successor after the supervisor
 * died). Node's `server.close()` also closes idle kept-alive connections at
 * once, which races a request already on its way on one of them (the client
 * sees a reset); here every connection instead closes after its next answer
 * (`Connection: close`) or at its keep-alive timeout, as any server's idle
 * connections do, and whatever is left after `graceMs` is closed.
 */
import type { Server } from 'node:http';

export function closeGracefully(server: Server, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    server.closeIdleConnections = () => undefined;
    server.on('request', (_request, response) => {
      if (!response.headersSent) response.shouldKeepAlive = false;
    });
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
