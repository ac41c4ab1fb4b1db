/**
 * A real alerting stack for tests (DESIGN.md "Real parts"): Debian's
 * `prometheus` evaluating an alert rule over a scraped target, and Debian's
 * `prometheus-alertmanager` routing the alert to a webhook with a bearer token,
 * each on a free loopback port with its own temp dir. Stopped and removed by `stop()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

const PROMETHEUS = '/usr/bin/prometheus';
const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';

export const alertingMissing = (): string | null =>
  !existsSync(PROMETHEUS)
    ? `prometheus (${PROMETHEUS})`
    : !existsSync(ALERTMANAGER)
      ? `prometheus-alertmanager (${ALERTMANAGER})`
      : null;

export interface AlertingStack {
  prometheusUrl: string;
  alertmanagerUrl: string;
  logs(): string;
  stop(): Promise<void>;
}

export interface AlertingOptions {
  /** host:port Prometheus scrapes, with labels added to its series */
  target: string;
  targetLabels: Record<string, string>;
  /** the rule file's `rules:` entries, YAML */
  rules: string;
  /** where Alertmanager posts, and the bearer token it sends */
  webhookUrl: string;
  bearer: string;
}

async function waitReady(url: string, child: ChildProcess, name: string, logs: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${logs()}`);
    try {
      if ((await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) })).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${name} not ready after 30 s:\n${logs()}`);
}

export async function startAlerting(options: AlertingOptions): Promise<AlertingStack> {
  const dir = await mkdtemp(join(tmpdir(), 'rewind-alerting-'));
  const [promPort, amPort] = [await freePort(), await freePort()];
  await writeFile(
    join(dir, 'alertmanager.yml'),
    `route:
  receiver: rewind
  group_by: [alertname]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 4s
receivers:
  - name: rewind
    webhook_configs:
      - url: ${options.webhookUrl}
        send_resolved: true
        http_config:
          authorization: { type: Bearer, credentials: ${options.bearer} }
`,
  );
  await writeFile(join(dir, 'rules.yml'), `groups:\n  - name: app\n    rules:\n${options.rules}`);
  const labels = Object.entries(options.targetLabels)
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
    .join(', ');
  await writeFile(
    join(dir, 'prometheus.yml'),
    `global: { scrape_interval: 1s, evaluation_interval: 1s }
rule_files: [${join(dir, 'rules.yml')}]
alerting:
  alertmanagers: [{ static_configs: [{ targets: ["127.0.0.1:${amPort}"] }] }]
scrape_configs:
  - job_name: app
    static_configs: [{ targets: ["${options.target}"], labels: { ${labels} } }]
`,
  );
  let output = '';
  const keep = (child: ChildProcess) => {
    child.stdout?.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-20_000)));
    child.stderr?.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-20_000)));
    return child;
  };
  const alertmanager = keep(
    spawn(
      ALERTMANAGER,
      [
        `--config.file=${join(dir, 'alertmanager.yml')}`,
        `--storage.path=${join(dir, 'am-data')}`,
        `--web.listen-address=127.0.0.1:${amPort}`,
        '--cluster.listen-address=',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    ),
  );
  const prometheus = keep(
    spawn(
      PROMETHEUS,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'prom-data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    ),
  );
  const logs = () => output;
  const stop = async () => {
    for (const child of [prometheus, alertmanager]) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    }
    await rm(dir, { recursive: true, force: true });
  };
  const alertmanagerUrl = `http://127.0.0.1:${amPort}`;
  const prometheusUrl = `http://127.0.0.1:${promPort}`;
  try {
    await waitReady(alertmanagerUrl, alertmanager, 'alertmanager', logs);
    await waitReady(prometheusUrl, prometheus, 'prometheus', logs);
  } catch (error) {
    await stop();
    throw error;
  }
  return { prometheusUrl, alertmanagerUrl, logs, stop };
}
