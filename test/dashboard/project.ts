import { join } from 'node:path';
import Database from 'better-sqlite3';
import { apiFetch } from '../helpers/api.js';
import type { Project } from '../helpers/cli.js';
import { SAMPLE_APP } from '../local-app/harness.js';

export interface Ports {
  controller: number;
  web: number;
  api: number;
}

/**
 * Two services behind their own traffic switches: `web` in staging (rolls back
 * by itself, triggers over windows) and `api` in production, which is protected,
 * asks a person before any rollback and decides by sequential evidence. A version's fault is read from `fault-<version>`;
 * rollback events go to a webhook.
 */
export function dashboardProject(project: Project, ports: Ports, webhookUrl: string): void {
  // a drill's FAULT (from its environment) wins over the version's file; `$${` is a literal `${` in rewind.yaml
  const launcher = `FAULT=$\${FAULT:-$(cat fault-{version} 2>/dev/null)}; export FAULT; exec node ${SAMPLE_APP} --release {version}`;
  const service = (env: string, port: number, analysis: string, triggers: string) => `
    environments: [${env}]
    driver:
      type: local
      command: ["sh", "-c", "${launcher}"]
      cwd: ${project.dir}
      instances: 1
      listen: 127.0.0.1:${port}
      stopTimeout: 2s
    health: { live: /health/live, ready: /health/ready, interval: 200ms, timeout: 500ms, failureThreshold: 3, readyTimeout: 8s }
    analysis: { duration: ${analysis} }
    postRollback: { watch: 3s }
    triggers:${triggers}`;
  // web decides on windows of readings, api by sequential evidence (rewind init's starter): both chart what fired
  const windowed = `
      - { name: errors, metric: errorRate, above: 0.1, for: 1s, minSamples: 5, severity: high }`;
  const sequential = `
      - { name: errors, metric: errorRate, above: 0.1, evidence: sequential, severity: high }
      - { name: slow, metric: latencyP95Ms, above: 5000, evidence: sequential, severity: medium }`;
  project.write(
    'rewind.yaml',
    `version: 1
controller: { stateDir: state, listen: "127.0.0.1:${ports.controller}" }
targets: { detectionToDecision: 1m, decisionToExecution: 30s, executionToStable: 1m, total: 5m }
environments:
  staging: {}
  production: { protected: true, policy: { automatic: false } }
services:
  web:${service('staging', ports.web, '4s', windowed)}
  api:${service('production', ports.api, '6s', sequential)}
databases:
  app: { engine: sqlite, url: app.sqlite, backups: { rpo: 1h } }
notifications:
  channels: [{ name: audit, type: webhook, url: "${webhookUrl}/hook" }]
  routes: [{ events: ["rollback.*"], channels: [audit] }]
`,
  );
}

export const stateOf = (project: Project) => ({ dir: project.dir, stateDir: join(project.dir, 'state') });

/** A token made by the local admin over the API, as `rewind token create` would. */
export async function createToken(url: string, project: Project, name: string, role: string): Promise<string> {
  const response = await apiFetch(`${url}/v1/tokens`, { method: 'POST', json: { name, role } }, stateOf(project));
  if (response.status !== 201 && response.status !== 200) throw new Error(`token ${name}: ${await response.text()}`);
  return ((await response.json()) as { token: string }).token;
}

/** Steady traffic at a front door, so the switch measures error rates; returns a stop function. */
export function steadyLoad(port: number, perSecond = 40): () => void {
  const timer = setInterval(() => {
    fetch(`http://127.0.0.1:${port}/`)
      .then((r) => r.arrayBuffer())
      .catch(() => undefined);
  }, 1000 / perSecond);
  return () => clearInterval(timer);
}

/** The project's SQLite database with a few rows, so a backup has something to hold. */
export function seedDatabase(project: Project): void {
  const db = new Database(join(project.dir, 'app.sqlite'));
  db.exec('CREATE TABLE orders (id INTEGER PRIMARY KEY, total REAL); INSERT INTO orders (total) VALUES (9.5), (12);');
  db.close();
}
