import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { KubeApi } from './api.js';
import { ApiError } from './api-error.js';
import { ControlLoop } from './controllers.js';
import { route, send } from './routes.js';
import { openWatches } from './watch-stream.js';

/** Options of {@link startKubeSim}. */
export interface KubeSimOptions {
  /** TCP port on 127.0.0.1; default 0 (the OS picks a free one) */
  port?: number;
  /** host to listen on; default `127.0.0.1` */
  host?: string;
  /** log each request to stderr; default false */
  verbose?: boolean;
}

/** A running simulated API server. */
export interface KubeSim {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** the in-process API (store, writes) for tests that need to look behind the HTTP surface */
  api: KubeApi;
  /** a kubeconfig (YAML text) whose current context points at this server */
  kubeconfig(namespace?: string): string;
  /** writes {@link KubeSim.kubeconfig} to a file (mode 0600) */
  writeKubeconfig(path: string, namespace?: string): Promise<void>;
  /** the next `count` PUT/PATCH requests answer 409 Conflict (a concurrent writer) */
  injectConflicts(count: number): void;
  /** ends every open watch stream now, as a dropped connection or an API server restart does */
  dropWatches(): void;
  /** forgets the watch history (etcd compaction): resuming from an older resourceVersion gets 410 Expired */
  compact(): void;
  /** stops the controllers, ends open watches and closes the port; safe to call twice */
  close(): Promise<void>;
}

export function kubeconfigFor(url: string, namespace = 'default'): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: rewind-sim',
    '  cluster:',
    `    server: ${url}`,
    // @kubernetes/client-node refuses plain http unless TLS verification is declared off.
    '    insecure-skip-tls-verify: true',
    'users:',
    '- name: rewind-sim',
    '  user:',
    '    token: simulated',
    'contexts:',
    '- name: rewind-sim',
    '  context:',
    '    cluster: rewind-sim',
    '    user: rewind-sim',
    `    namespace: ${namespace}`,
    'current-context: rewind-sim',
    '',
  ].join('\n');
}

/**
 * Starts the SIMULATED Kubernetes API server: plain HTTP on loopback, the
 * resource subset Rewind and kubectl use, and simulated controllers.
 */
export async function startKubeSim(options: KubeSimOptions = {}): Promise<KubeSim> {
  const api = new KubeApi();
  const loop = new ControlLoop(api.store);
  api.onWrite(() => loop.kick());
  let port = options.port ?? 0;
  const faults = { conflicts: 0 };
  const server: Server = createServer((req, res) => {
    if (options.verbose) console.error(`kube-sim (simulated): ${req.method} ${req.url}`);
    route(api, port, req, res, faults).catch((error: unknown) => {
      if (res.headersSent) return res.end();
      if (error instanceof ApiError) return send(res, error.code, error.toStatus());
      console.error(`kube-sim (simulated): ${req.method} ${req.url}: ${(error as Error).stack ?? String(error)}`);
      send(
        res,
        500,
        new ApiError(500, 'InternalError', `Internal error occurred: ${(error as Error).message}`).toStatus(),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : port;
  loop.start();
  const url = `http://127.0.0.1:${port}`;
  let closed: Promise<void> | undefined;
  return {
    url,
    port,
    api,
    kubeconfig: (namespace) => kubeconfigFor(url, namespace),
    injectConflicts: (count) => {
      faults.conflicts = count;
    },
    dropWatches: () => {
      for (const res of openWatches) res.destroy();
    },
    compact: () => api.store.compact(),
    writeKubeconfig: (path, namespace) => writeFile(path, kubeconfigFor(url, namespace), { mode: 0o600 }),
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        loop.stop();
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}
