/**
 * What the users-impact tests share: a tiny service whose v2 fails the cart
 * (`/api/cart/**` answers 500) and a load client with distinct user ids that
 * knows the truth: which users a release served and which got a failure.
 */
import type { Project } from '../helpers/cli.js';

/** every id the tests send starts with this: grep for it finds any clear-text leak */
export const ID_MARK = 'uid-q7zk';

export function usersProject(
  project: Project,
  ports: { controller: number; front: number },
  serviceExtra: string,
  topExtra = '',
): void {
  project.write(
    'app.mjs',
    `import { createServer } from 'node:http';
const version = process.argv[2];
createServer((req, res) => {
  const failing = version === 'v2' && req.url.startsWith('/api/cart');
  res.writeHead(failing ? 500 : 200, { 'x-release': version, 'content-type': 'text/plain' });
  res.end(failing ? 'cart broken\\n' : 'ok\\n');
}).listen(Number(process.env.PORT), '127.0.0.1');
`,
  );
  project.write(
    'rewind.yaml',
    `version: 1
controller: { stateDir: state, listen: "127.0.0.1:${ports.controller}" }
environments: { production: {} }
services:
  web:
    driver:
      type: local
      command: ["node", "${project.dir}/app.mjs", "{version}"]
      cwd: ${project.dir}
      instances: 2
      listen: 127.0.0.1:${ports.front}
      stopTimeout: 2s
    health: { live: /health, ready: /health, interval: 200ms, timeout: 500ms, failureThreshold: 3, readyTimeout: 4s }
    postRollback: { watch: 1s }
    users: { header: X-User-Id }
    features: { checkout: "/api/cart/**", search: "/api/search/**" }
${serviceExtra}${topExtra}`,
  );
}

export interface Truth {
  /** users v2 answered, users v2 failed, failed cart requests v2 answered */
  served: Set<string>;
  affected: Set<string>;
  failedCart: number;
  requests: number;
}

/**
 * `users` distinct ids, the first `failing` of them asking for the cart, the rest
 * searching; each sends `perUser` requests, `concurrency` at a time, in a shuffled order.
 */
export async function runUsers(
  front: number,
  users: number,
  failing: number,
  options: { perUser?: number; concurrency?: number } = {},
): Promise<Truth> {
  const perUser = options.perUser ?? 2;
  const order: number[] = [];
  for (let i = 0; i < users; i += 1) for (let k = 0; k < perUser; k += 1) order.push(i);
  for (let i = order.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  const truth: Truth = { served: new Set(), affected: new Set(), failedCart: 0, requests: 0 };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < order.length) {
      const user = order[next++] as number;
      const id = `${ID_MARK}-${user}`;
      const path = user < failing ? `/api/cart/items?n=${user}` : `/api/search/q?n=${user}`;
      const response = await fetch(`http://127.0.0.1:${front}${path}`, { headers: { 'X-User-Id': id } });
      await response.text();
      truth.requests += 1;
      if (response.headers.get('x-release') !== 'v2') continue;
      truth.served.add(id);
      if (response.status >= 500) {
        truth.affected.add(id);
        if (user < failing) truth.failedCart += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 16 }, worker));
  return truth;
}

/** Until the front door answers from `version`. */
export async function waitForRelease(front: number, version: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await fetch(`http://127.0.0.1:${front}/health`).catch(() => null);
    if (answer?.headers.get('x-release') === version) return;
    if (Date.now() > deadline) throw new Error(`${version} never answered the front door`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
