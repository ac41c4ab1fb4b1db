/**
 * An escalated rollback never strands a bad release: with the rollback's target
 * unhealthy, the rollback escalates, PagerDuty is paged, `rewind status` shows
 * what needs a human and the command to run, and the bad release is still
 * evaluated (its per-second samples keep coming), across a controller restart too:
 * the next controller records its signals and a trigger that fires then decides.
 */
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Receiver } from '../harness/receiver.js';
import { startReceiver } from '../harness/receiver.js';
import type { Project, Serve } from '../helpers/cli.js';
import { BIN, freePort, runCli, startServe, tempProject, waitFor } from '../helpers/cli.js';
import { SAMPLE_APP, setFault, whoAnswers } from './harness.js';

let project: Project | undefined;
let serve: Serve | undefined;
let pagerduty: Receiver | undefined;
afterAll(async () => {
  await serve?.kill('SIGTERM');
  await pagerduty?.close();
  project?.cleanup();
});

describe('escalation', () => {
  it('target unhealthy: escalated, paged, shown in status, the bad release still evaluated', async () => {
    project = tempProject('rewind-escalation-');
    pagerduty = await startReceiver();
    const ports = { controller: await freePort(), front: await freePort() };
    // FAULT_AFTER_MS from a file too: v1 turns unhealthy a few seconds after it starts
    const launcher = `FAULT=$(cat fault-{version} 2>/dev/null); FAULT_AFTER_MS=$(cat after-{version} 2>/dev/null || echo 0); export FAULT FAULT_AFTER_MS; exec node ${SAMPLE_APP} --release {version}`;
    project.write(
      'rewind.yaml',
      `version: 1
controller: { stateDir: state, listen: "127.0.0.1:${ports.controller}" }
environments: { production: {} }
services:
  web:
    driver:
      type: local
      command: ["sh", "-c", "${launcher}"]
      cwd: ${project.dir}
      instances: 1
      listen: 127.0.0.1:${ports.front}
      stopTimeout: 2s
    health: { live: /health/live, ready: /health/ready, interval: 200ms, timeout: 500ms, failureThreshold: 3, readyTimeout: 3s }
    analysis: { duration: 6s }
    triggers:
      - { metric: errorRate, above: 0.1, for: 1s, minSamples: 5, severity: high }
notifications:
  channels:
    - { name: oncall, type: pagerduty, routingKey: test-key, url: "${pagerduty.url}/v2/enqueue" }
  routes:
    - { events: ["rollback.escalated", "policy.escalated"], channels: [oncall] }
`,
    );
    serve = await startServe(project, ports.controller);
    const cli = (...args: string[]) => runCli(args, { cwd: project!.dir });
    setFault(project, 'v1', 'unhealthy');
    project.write('after-v1', '7000');
    const startedAt = Date.now();
    // Ctrl-C on a watched deploy: the deploy goes on in the controller, exit 130
    const watching = spawn(process.execPath, [BIN, 'deploy', 'web', 'v1', '--env', 'production', '--watch'], {
      cwd: project.dir,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let said = '';
    watching.stderr.on('data', (chunk: Buffer) => (said += chunk.toString()));
    await waitFor('the traffic line', async () => said.includes('gets 100% of traffic'), 20_000);
    const exited = new Promise<number | null>((resolve) => watching.on('close', resolve));
    watching.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(said).toContain('the deploy goes on in the controller; follow it with `rewind status web --watch`');
    await waitFor('v1 promoted all the same', async () => {
      const status = JSON.parse((await cli('status', 'web', '--env', 'production', '--json')).stdout);
      return status.live?.status === 'live';
    });
    // then v1 no longer passes its probes: it cannot take the traffic back
    await new Promise((r) => setTimeout(r, Math.max(0, startedAt + 7500 - Date.now())));

    setFault(project, 'v2', 'error-rate');
    let loading = true;
    const load = (async () => {
      while (loading) {
        await whoAnswers(ports.front);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const deployed = await cli('deploy', 'web', 'v2', '--env', 'production', '--watch', '--json');
    const answeredAt = Date.now();
    expect(deployed.code, deployed.stderr).toBe(4);
    expect(JSON.parse(deployed.stdout)).toMatchObject({ outcome: 'waiting', release: { revision: 2 } });

    const status = JSON.parse((await cli('status', 'web', '--env', 'production', '--json')).stdout);
    expect(status.live).toMatchObject({ revision: 2 });
    expect(status.needsAttention).toEqual([
      expect.objectContaining({
        kind: 'rollback-escalated',
        suggested: 'rewind undo web --env production',
        rollbackId: expect.stringMatching(/^rb_/),
      }),
    ]);
    const text = await cli('status', 'web', '--env', 'production');
    expect(text.stdout).toContain('needs attention');
    expect(text.stdout).toContain('run: rewind undo web --env production');

    const paged = await pagerduty.waitForAccepted(1, 15_000);
    expect(paged[0]?.json).toMatchObject({ routing_key: 'test-key', event_action: 'trigger' });

    // still evaluated: samples of r2 recorded after the deploy answered
    const db = new Database(join(project.dir, 'state', 'state.db'), { readonly: true, fileMustExist: true });
    try {
      const rows = await waitFor('samples of r2 after the answer', async () => {
        const found = db
          .prepare("SELECT metric, value FROM signal_samples WHERE revision = 2 AND metric = 'errorRate' AND at > ?")
          .all(answeredAt + 1000) as { metric: string; value: number }[];
        return found.length >= 2 && found;
      });
      // the trigger's own metric keeps being read: the bad release still errs
      expect(rows.some((r) => r.value > 0.1)).toBe(true);

      // a controller restart while it waits: the next controller watches it again
      await serve?.kill('SIGTERM');
      serve = await startServe(project, ports.controller);
      const restartedAt = Date.now();
      const after = await waitFor('samples of r2 after the restart', async () => {
        const found = db
          .prepare("SELECT value FROM signal_samples WHERE revision = 2 AND metric = 'errorRate' AND at > ?")
          .all(restartedAt) as { value: number }[];
        return found.length >= 2 && found;
      });
      expect(after.some((r) => r.value > 0.1)).toBe(true);
      // and a trigger that fires after the restart still decides: the new controller's watch records it and acts
      const decided = await waitFor(
        'a trigger fired and a decision made about r2 after the restart',
        async () => {
          const found = db
            .prepare(
              "SELECT type, data FROM events WHERE service = 'web' AND revision = 2 AND type IN ('trigger.fired', 'decision.made') AND at > ? ORDER BY id",
            )
            .all(restartedAt) as { type: string; data: string }[];
          return found.some((e) => e.type === 'decision.made') && found;
        },
        30_000,
      );
      expect(decided[0]?.type).toBe('trigger.fired');
      const decision = JSON.parse(decided.find((e) => e.type === 'decision.made')?.data ?? '{}');
      expect(decision).toMatchObject({ phase: 'live', trigger: expect.stringContaining('errorRate') });
    } finally {
      db.close();
    }
    loading = false;
    await load;
  }, 240_000);
});
