/**
 * A real HTTP proxy in front of the simulated API server that misbehaves the way a
 * busy real one does: every other PATCH is answered 409 Conflict (someone else wrote
 * the object in between) and every watch is cut after `watchLifeMs`. The driver must
 * retry the one and re-read after the other.
 */
import { request } from 'node:http';
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import { once } from 'node:events';

export interface FlakyProxy {
  url: string;
  conflictsSent: number;
  watchesDropped: number;
  close(): Promise<void>;
}

export async function startFlakyProxy(target: string, watchLifeMs = 300): Promise<FlakyProxy> {
  const upstream = new URL(target);
  let patches = 0;
  const state = { conflictsSent: 0, watchesDropped: 0 };
  const server: Server = createServer((req, res) => {
    if (req.method === 'PATCH' && patches++ % 2 === 0) {
      state.conflictsSent += 1;
      req.resume();
      res.writeHead(409, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          reason: 'Conflict',
          code: 409,
          message: 'Operation cannot be fulfilled: the object has been modified (injected by the test proxy)',
        }),
      );
      return;
    }
    const forward = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        if (req.url?.includes('watch=true')) {
          setTimeout(() => {
            state.watchesDropped += 1;
            answer.destroy();
            res.destroy();
          }, watchLifeMs).unref();
        }
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    get conflictsSent() {
      return state.conflictsSent;
    },
    get watchesDropped() {
      return state.watchesDropped;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
