/**
 * The controller-cost workload: a project of many command-driver services whose
 * commands are `true`, each watched through an HTTP JSON signal source that a
 * small loopback server answers with healthy values, and the deploys that put
 * every one of them under analysis.
 */
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SignalServer {
  url: string;
  /** answers served so far */
  answered(): number;
  close(): Promise<void>;
}

/** Answers every GET with a healthy error rate, `{"value":0.001,"samples":500}`. */
export async function startSignalServer(): Promise<SignalServer> {
  let answered = 0;
  const body = JSON.stringify({ value: 0.001, samples: 500 });
  const server = createServer((_request, response) => {
    answered += 1;
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    response.end(body);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    answered: () => answered,
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

export interface WatchedProjectOptions {
  services: number;
  signalUrl: string;
  /** `controller.evaluationInterval` */
  interval: string;
  /** `controller.store`; default SQLite in the state dir */
  store?: { type: 'postgres'; url: string };
}

export interface WatchedProject {
  dir: string;
  config: string;
  stateDir: string;
  services: string[];
  adminToken(): string;
  remove(): void;
}

/** Writes rewind.yaml (JSON is YAML) with `services` services, analysis long enough to outlast the bench. */
export function writeWatchedProject(options: WatchedProjectOptions): WatchedProject {
  const dir = mkdtempSync(join(tmpdir(), 'rewind-bench-ctl-'));
  const stateDir = join(dir, '.rewind');
  const services = Array.from({ length: options.services }, (_, i) => `svc-${String(i + 1).padStart(4, '0')}`);
  const service = {
    driver: { type: 'command', start: ['true'], shiftTraffic: ['true'], retire: ['true'], timeout: '20s' },
    analysis: { duration: '30m' },
    triggers: [{ name: 'errors', metric: 'errorRate', source: 'signals', above: 0.05, severity: 'high' }],
  };
  const config = {
    version: 1,
    controller: {
      stateDir,
      evaluationInterval: options.interval,
      ...(options.store ? { store: options.store } : {}),
    },
    environments: { production: {} },
    services: Object.fromEntries(services.map((name) => [name, service])),
    providers: [
      {
        name: 'signals',
        type: 'http',
        timeout: '2s',
        queries: {
          errorRate: { url: `${options.signalUrl}/{service}/{env}/{revision}/errorRate`, path: 'value' },
        },
      },
    ],
  };
  const file = join(dir, 'rewind.yaml');
  writeFileSync(file, JSON.stringify(config, null, 1));
  return {
    dir,
    config: file,
    stateDir,
    services,
    adminToken: () => readFileSync(join(stateDir, 'admin.token'), 'utf8').trim(),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Deploys v1 of every service through the API, `parallel` at a time; each returns once under analysis.
 * A deploy answered 503 (no leader during an election) or 409 FENCED (the term ended under it) is
 * tried again after a second, up to five times: on a loaded machine the set-up may cost a term.
 * A deploy still refused then with 409 CONFLICT (a deploy cut by that election left the service
 * busy) is given up and named in `conflicted`: the bench measures the releases that are watched.
 */
export async function deployAll(
  url: string,
  token: string,
  services: string[],
  parallel = 8,
): Promise<{ retried: number; conflicted: string[] }> {
  const queue = [...services];
  let retried = 0;
  const conflicted: string[] = [];
  const deploy = async (service: string) => {
    const response = await fetch(`${url}/v1/deploy`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ service, version: 'v1' }),
    });
    const answer = (await response.json()) as { outcome?: string; message?: string; error?: { code?: string } };
    return { response, answer };
  };
  const worker = async (): Promise<void> => {
    for (let service = queue.shift(); service !== undefined; service = queue.shift()) {
      for (let attempt = 1; ; attempt += 1) {
        const { response, answer } = await deploy(service);
        const again = response.status === 503 || response.status === 409;
        if (again && attempt < 5) {
          retried += 1;
          await new Promise((resolve) => setTimeout(resolve, 1000));
          continue;
        }
        if (answer.error?.code === 'CONFLICT') {
          conflicted.push(service);
          break;
        }
        if (!response.ok || answer.outcome !== 'analyzing')
          throw new Error(
            `deploy ${service}: HTTP ${response.status} ${answer.outcome ?? answer.message ?? answer.error?.code ?? ''}`,
          );
        break;
      }
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return { retried, conflicted };
}
