import { resolve } from 'node:path';
import type { RewindEvent } from '../../src/core/model.js';
import type { ServiceStatus } from '../../src/app/queries.js';
import { createLoadGenerator, type LoadGenerator } from '../../src/runtime/demo/load-generator.js';
import { apiFetch } from '../helpers/api.js';
import type { Project } from '../helpers/cli.js';

export const APP = resolve(import.meta.dirname, 'app.mjs');

export interface Knobs {
  controller: number;
  front: number;
  hook: string;
  /** the loopback receiver's URL */
  receiver: string;
  ready?: string;
  /** requestRate below this fires the trigger */
  below?: number;
  analysis?: string;
  /** the front door: the builtin switch by default */
  router?: 'haproxy';
}

/** The project: one local service, two instances, a webhook for service/config/rollback events. */
export function writeProject(project: Project, knobs: Knobs): void {
  project.write(
    'rewind.yaml',
    `version: 1
controller: { stateDir: state, listen: "127.0.0.1:${knobs.controller}", stopTimeout: 12s }
environments: { production: {} }
services:
  web:
    driver:
      type: local
      command: ["node", "${APP}", "{version}"]
      cwd: ${project.dir}
      instances: 2
      listen: 127.0.0.1:${knobs.front}
      stopTimeout: 3s
${knobs.router ? `      router: ${knobs.router}\n` : ''}    health: { live: /health/live, ready: ${knobs.ready ?? '/health/ready'}, interval: 200ms, timeout: 500ms, failureThreshold: 2, readyTimeout: 10s }
    analysis: { duration: ${knobs.analysis ?? '0s'} }
    postRollback: { watch: 0s }
    triggers:
      - { name: slow-traffic, metric: requestRate, below: ${knobs.below ?? 0}, severity: high }
    hooks:
      preRollback:
        - { name: page-the-team, command: ["sh", "-c", "test -f ${knobs.hook} || { touch ${knobs.hook}; sleep 60; }"], timeout: 90s }
notifications:
  channels: [{ name: hook, type: webhook, url: "${knobs.receiver}/hook" }]
  routes: [{ events: ["service.*", "config.*", "controller.*"], channels: [hook] }]
`,
  );
}

export async function events(url: string, project: Project, types: string[]): Promise<RewindEvent[]> {
  const response = await apiFetch(`${url}/v1/events?limit=1000`, {}, project);
  return ((await response.json()) as RewindEvent[]).filter((e) => types.includes(e.type));
}

export async function status(url: string, project: Project): Promise<ServiceStatus> {
  return (await (await apiFetch(`${url}/v1/status/web`, {}, project)).json()) as ServiceStatus;
}

/** The load from a client outside the controller, 50 requests/s at the front door. */
export function load(front: number): LoadGenerator {
  const generator = createLoadGenerator({ url: `http://127.0.0.1:${front}/`, ratePerSecond: 50, timeoutMs: 10_000 });
  generator.start();
  return generator;
}

export const failures = (generator: LoadGenerator): string =>
  JSON.stringify(
    generator
      .samples()
      .filter((s) => s.status !== 200)
      .slice(0, 5),
  );

export async function pidsAt(front: number, tries = 12): Promise<Set<number>> {
  const pids = new Set<number>();
  for (let i = 0; i < tries; i += 1) {
    const answer = (await (await fetch(`http://127.0.0.1:${front}/`)).json()) as { pid: number };
    pids.add(answer.pid);
  }
  return pids;
}
