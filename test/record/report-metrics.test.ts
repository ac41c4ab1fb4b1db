import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Controller } from '../../src/runtime/controller.js';
import type { RewindEvent } from '../../src/core/model.js';
import type { IncidentReport } from '../../src/report/index.js';
import type { Project } from '../helpers/cli.js';
import { runCli, tempProject, waitFor } from '../helpers/cli.js';
import { startReceiver, type Receiver } from '../harness/receiver.js';
import { actor, commandProject, startServe } from './project.js';
import { apiFetch } from '../helpers/api.js';

let project: Project;
let controller: Controller;
let receiver: Receiver;
const admin = () => ({ dir: project.dir, stateDir: join(project.dir, 'state') });

beforeAll(async () => {
  receiver = await startReceiver();
  project = tempProject('rewind-report-');
  // a pre-rollback hook that fails while the file `fail-hook` exists: an escalated rollback on demand
  const hook = `    hooks:
      preRollback:
        - { name: gate, command: ["sh", "-c", "test ! -f ${join(project.dir, 'fail-hook')}"], timeout: 5s }
`;
  const config = commandProject(
    project,
    `targets: { decisionToExecution: 1ms }
notifications:
  channels:
    - { name: sre, type: webhook, url: "${receiver.url}/sre" }
  routes:
    - { events: ["target.missed"], channels: [sre] }
`,
    '0s',
    hook,
  );
  controller = await startServe(config);
  expect((await controller.api.deploy({ service: 'api', version: 'v1', actor })).outcome).toBe('promoted');
});
afterAll(async () => {
  await controller?.close();
  await receiver?.close();
  project?.cleanup();
});

async function eventsOf(id: string, type: string): Promise<RewindEvent[]> {
  return (await controller.api.events({ rollbackId: id, limit: 1000 })).filter((e) => e.type === type);
}

describe('incident report, targets and metrics at each rollback end', () => {
  it('a succeeded rollback: report file, target.missed delivered, report over the API and the CLI', async () => {
    expect((await controller.api.deploy({ service: 'api', version: 'v2', actor })).outcome).toBe('promoted');
    const { rollback } = await controller.api.undo({ service: 'api', reason: 'v2 breaks checkout', actor, wait: true });
    expect(rollback?.status).toBe('succeeded');
    const id = rollback?.id ?? '';
    const [written] = await waitFor('the report', async () => {
      const found = await eventsOf(id, 'report.written');
      return found.length ? found : null;
    });
    const path = String(written?.data.path);
    expect(path).toBe(
      join(
        project.dir,
        'state',
        'incidents',
        `${new Date(rollback?.createdAt ?? 0).toISOString().slice(0, 10)}-api-${id}.md`,
      ),
    );
    const markdown = readFileSync(path, 'utf8');
    expect(markdown).toContain('v2 breaks checkout');
    expect(markdown).toContain('decisionToExecution');

    const [missed] = await eventsOf(id, 'target.missed');
    expect(missed?.data).toMatchObject({ target: 'decisionToExecution', targetMs: 1 });
    expect(Number(missed?.data.measuredMs)).toBeGreaterThan(1);
    const [delivered] = await receiver.waitForAccepted(1, 15_000);
    expect(delivered?.json).toMatchObject({
      type: 'target.missed',
      rollbackId: id,
      data: { target: 'decisionToExecution' },
    });

    const json = (await (
      await apiFetch(`${controller.url}/v1/rollbacks/${id}/report`, {}, admin())
    ).json()) as IncidentReport;
    expect(json.summary).toMatchObject({
      rollbackId: id,
      status: 'succeeded',
      kind: 'manual',
      fromVersion: 'v2',
      toVersion: 'v1',
    });
    expect(json.recovery.checks).toContainEqual(
      expect.objectContaining({ target: 'decisionToExecution', result: 'miss' }),
    );
    expect(json.recovery.times.trafficRestoredAt).toBeGreaterThan(0);
    const md = await apiFetch(`${controller.url}/v1/rollbacks/${id}/report?format=md`, {}, admin());
    expect(md.headers.get('content-type')).toContain('text/markdown');
    expect(await md.text()).toContain(id);

    const cli = await runCli(['report', id, '--format', 'json', '--controller', controller.url, '-c', project.config], {
      cwd: project.dir,
    });
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({ summary: { rollbackId: id } });
    const cliMd = await runCli(['report', id, '--controller', controller.url, '-c', project.config], {
      cwd: project.dir,
    });
    expect(cliMd.stdout).toContain('v2 breaks checkout');
    const bad = await runCli(['report', id, '--format', 'pdf', '-c', project.config], { cwd: project.dir });
    expect(bad.code).toBe(2);
    const missing = await runCli(['report', 'rb_nope', '--controller', controller.url, '-c', project.config], {
      cwd: project.dir,
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('rb_nope');
  });

  it('an escalated rollback also gets its report; /metrics counts both after real rollbacks', async () => {
    expect((await controller.api.deploy({ service: 'api', version: 'v3', actor })).outcome).toBe('promoted');
    writeFileSync(join(project.dir, 'fail-hook'), '');
    const { rollback } = await controller.api.undo({ service: 'api', actor, wait: true });
    expect(rollback?.status).toBe('escalated');
    const id = rollback?.id ?? '';
    const [written] = await waitFor('the report', async () => {
      const found = await eventsOf(id, 'report.written');
      return found.length ? found : null;
    });
    expect(existsSync(String(written?.data.path))).toBe(true);
    expect(readFileSync(String(written?.data.path), 'utf8')).toMatch(/escalated/);

    const scrape = await fetch(`${controller.url}/metrics`);
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toContain('text/plain');
    const text = await scrape.text();
    expect(text).toContain(
      'rewind_rollbacks_total{service="api",environment="production",kind="manual",outcome="succeeded"} 1',
    );
    expect(text).toContain(
      'rewind_rollbacks_total{service="api",environment="production",kind="manual",outcome="escalated"} 1',
    );
    expect(text).toMatch(
      /rewind_rollback_duration_seconds_count\{service="api",environment="production",kind="manual",outcome="succeeded"\} 1/,
    );
    expect(text).toMatch(
      /rewind_rollback_duration_seconds_bucket\{le="\+Inf",service="api",environment="production",kind="manual",outcome="succeeded"\} 1/,
    );
    expect(text).toContain('# TYPE rewind_triggers_fired_total counter');
    // v2 rolled back; v3 live (its rollback escalated before traffic moved), v1 superseded by it
    expect(text).toContain('rewind_releases{status="rolled-back"} 1');
    expect(text).toContain('rewind_releases{status="live"} 1');
    expect(text).toContain('rewind_releases{status="superseded"} 1');
    expect(text).toMatch(/rewind_outbox_backlog \d+/);
  });
});
