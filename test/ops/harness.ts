import { resolve } from 'node:path';
import { createLoadGenerator, type LoadGenerator } from '../../src/runtime/demo/load-generator.js';
import type { Project } from '../helpers/cli.js';

export const FLAG_APP = resolve(import.meta.dirname, '../fixtures/flag-app/server.mjs');

/** A local service running the flag app, two instances behind the switch. */
export function opsService(name: string, front: number, cwd: string, extra = ''): string {
  return `  ${name}:
    driver:
      type: local
      command: ["node", "${FLAG_APP}", "{version}"]
      cwd: ${cwd}
      instances: 2
      listen: 127.0.0.1:${front}
      stopTimeout: 3s
${extra}    health: { live: /health/live, ready: /health/ready, interval: 200ms, timeout: 500ms, failureThreshold: 2, readyTimeout: 10s }
    analysis: { duration: 0s }
    postRollback: { watch: 0s }
`;
}

export function writeConfig(project: Project, controller: number, services: string, tail = ''): void {
  project.write(
    'rewind.yaml',
    `version: 1
controller: { stateDir: state, listen: "127.0.0.1:${controller}" }
environments: { production: {} }
services:
${services}${tail}`,
  );
}

export interface Answer {
  release: string;
  features: Record<string, string>;
  config: { GREETING?: string };
}

/** The real load generator at 100 requests/s; each answer is labelled `release FEATURE=…`. */
export function load(front: number, flag = 'FEATURE_NEW_DASHBOARD'): LoadGenerator {
  const generator = createLoadGenerator({
    url: `http://127.0.0.1:${front}/`,
    ratePerSecond: 100,
    timeoutMs: 10_000,
    releaseOf: (_status, body) => {
      try {
        const answer = JSON.parse(body) as Answer;
        return `${answer.release} ${flag}=${answer.features[flag] ?? 'unset'}`;
      } catch {
        return null;
      }
    },
  });
  generator.start();
  return generator;
}

export async function answer(front: number): Promise<Answer> {
  const response = await fetch(`http://127.0.0.1:${front}/`);
  if (!response.ok) throw new Error(`front door answered ${response.status}`);
  return (await response.json()) as Answer;
}
