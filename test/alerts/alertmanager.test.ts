/**
 * Rolling back on the alerts a team already has, with the real parts: Debian's
 * Prometheus scrapes the service's error counter and evaluates
 * `rate(app_errors_total[30s]) > 1 for 5s`; Debian's Alertmanager routes the
 * alert to Rewind's receiver with a bearer token, as shipped. After a bad release
 * was promoted, the alert rolls it back to the previous release, and the
 * incident report names the alert, its labels and when it started.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiFetch } from '../helpers/api.js';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject, waitFor } from '../helpers/cli.js';
import { platformDriver } from '../helpers/configs.js';
import { missingPart } from '../harness/free-port.js';
import { alertingMissing, startAlerting, type AlertingStack } from '../harness/alerting.js';

let project: Project;
let serve: Serve | undefined;
let stack: AlertingStack | undefined;
let app: Server | undefined;
let errors = 0;
let failing: NodeJS.Timeout | undefined;
const missing = alertingMissing();
if (missing) missingPart(missing);

beforeAll(async () => {
  if (missing) return;
  // the service's own /metrics: the error counter Prometheus scrapes
  app = createServer((_req, res) => {
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    res.end(`# TYPE app_errors_total counter\napp_errors_total ${errors}\n`);
  }).listen(0, '127.0.0.1');
  await new Promise((r) => app!.once('listening', r));
  project = tempProject('rewind-alertmanager-');
  const port = await freePort();
  project.write(
    'rewind.yaml',
    `version: 1
controller: { stateDir: state, listen: "127.0.0.1:${port}" }
environments: { production: {} }
services:
  web:
${platformDriver()}    analysis: { duration: 0s }
    rollbackWindow: 10m
    postRollback: { watch: 0s }
    alerts:
      - match: { alertname: HighErrorRate, service: web }
`,
  );
  serve = await startServe(project, port);
  const created = await apiFetch(
    `${serve.url}/v1/tokens`,
    { method: 'POST', json: { name: 'alertmanager', role: 'receiver' } },
    { dir: project.dir, stateDir: join(project.dir, 'state') },
  );
  const { token } = (await created.json()) as { token: string };
  stack = await startAlerting({
    target: `127.0.0.1:${(app.address() as AddressInfo).port}`,
    targetLabels: { service: 'web' },
    rules: `      - alert: HighErrorRate
        expr: rate(app_errors_total[30s]) > 1
        for: 5s
        labels: { severity: critical }
        annotations: { summary: "web answers errors" }
`,
    webhookUrl: `${serve.url}/v1/alerts/alertmanager`,
    bearer: token,
  });
}, 90_000);

afterAll(async () => {
  clearInterval(failing);
  await stack?.stop();
  await serve?.kill('SIGTERM');
  app?.close();
  project?.cleanup();
});

describe.skipIf(missing !== null)('alerts from Alertmanager', () => {
  it('an alert after promotion rolls the release back; the report names the alert', async () => {
    const cli = (...args: string[]) => runCli(args, { cwd: project.dir });
    expect((await cli('deploy', 'web', 'v1')).code).toBe(0);
    const bad = await cli('deploy', 'web', 'v2', '--json');
    expect(JSON.parse(bad.stdout)).toMatchObject({ outcome: 'promoted' });

    // v2 starts failing after its promotion: 20 errors a second
    failing = setInterval(() => (errors += 2), 100);
    const rollback = await waitFor(
      'the alert to roll web back',
      async () => {
        const list = (await (
          await apiFetch(
            `${serve!.url}/v1/rollbacks?limit=1`,
            {},
            { dir: project.dir, stateDir: join(project.dir, 'state') },
          )
        ).json()) as { id: string; kind: string; fromRevision: number; toRevision: number; status: string }[];
        return list[0]?.status === 'succeeded' ? list[0] : null;
      },
      60_000,
      250,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${stack!.logs().slice(-3000)}\n${serve!.output().slice(-3000)}`);
    });
    clearInterval(failing);
    expect(rollback).toMatchObject({ kind: 'automatic', fromRevision: 2, toRevision: 1 });
    const platform = JSON.parse(readFileSync(join(project.dir, 'platform.json'), 'utf8')) as {
      releases: Record<string, Record<string, { version: string; weight: number; running: boolean }>>;
    };
    expect(platform.releases['web/production']?.['1']).toMatchObject({ version: 'v1', weight: 100 });
    expect(platform.releases['web/production']?.['2']).toMatchObject({ weight: 0, running: false });

    const report = JSON.parse((await cli('report', rollback.id, '--format', 'json')).stdout) as {
      evidence: { metric: string; alert?: { source: string; labels: Record<string, string>; startsAt: number } }[];
    };
    const alert = report.evidence.find((e) => e.metric === 'alert')?.alert;
    expect(alert?.source).toBe('alertmanager');
    expect(alert?.labels).toMatchObject({ alertname: 'HighErrorRate', service: 'web', severity: 'critical' });
    expect(alert?.startsAt).toBeGreaterThan(0);
    const markdown = (await cli('report', rollback.id)).stdout;
    expect(markdown).toContain('Alert HighErrorRate from alertmanager');

    // Alertmanager keeps repeating the firing alert: one rollback, never a second
    await new Promise((r) => setTimeout(r, 6000));
    const all = (await (
      await apiFetch(`${serve!.url}/v1/rollbacks`, {}, { dir: project.dir, stateDir: join(project.dir, 'state') })
    ).json()) as unknown[];
    expect(all).toHaveLength(1);
  });
});
