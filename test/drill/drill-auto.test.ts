import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject } from '../helpers/cli.js';
import { SAMPLE_APP, whoAnswers } from '../local-app/harness.js';

/*
 * A drill on the automatic path: the sample app's copy with the
 * error-rate fault is caught by the service's own trigger and rolled back by the
 * monitor (kind automatic), with the drill only measuring. CLI against a
 * `rewind serve` subprocess, load on the front door throughout.
 */
let project: Project | null = null;
let serve: Serve | null = null;
afterEach(async () => {
  await serve?.kill('SIGTERM');
  project?.cleanup();
  serve = null;
  project = null;
});

describe('rewind drill on the automatic path', () => {
  it('error-rate: the monitor detects the faulty copy and rolls it back automatically; the drill measures and reports', async () => {
    project = tempProject('rewind-drill-auto-');
    const ports = { controller: await freePort(), front: await freePort() };
    project.write(
      'rewind.yaml',
      `version: 1
controller: { stateDir: state, listen: "127.0.0.1:${ports.controller}" }
environments: { production: {} }
services:
  web:
    driver:
      type: local
      command: ["node", "${SAMPLE_APP}", "--release", "{version}"]
      instances: 2
      listen: 127.0.0.1:${ports.front}
      stopTimeout: 2s
    health: { live: /health/live, ready: /health/ready, interval: 200ms, timeout: 500ms, failureThreshold: 3, readyTimeout: 6s }
    analysis: { duration: 0s }
    rollbackWindow: 2m
    postRollback: { watch: 1s }
    triggers:
      - { metric: errorRate, above: 0.1, for: 1s, window: 2s, minSamples: 10, severity: high }
`,
    );
    serve = await startServe(project, ports.controller);
    const cli = (...args: string[]) => runCli(args, { cwd: project?.dir ?? '.' });
    const first = await cli('deploy', 'web', 'v1');
    expect(first.code, first.stderr).toBe(0);

    let loading = true;
    const answers: string[] = [];
    const loop = async () => {
      while (loading) {
        answers.push(await whoAnswers(ports.front));
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    const load = Promise.all([loop(), loop(), loop()]);
    // --timeout: if the automatic path misses it, the drill rolls back itself (kind drill) and this test fails
    const drill = await cli('drill', 'production', '--fault', 'error-rate', '--timeout', '30s', '--json');
    loading = false;
    await load;
    expect(drill.code, `${drill.stdout}${drill.stderr}`).toBe(0);
    const result = JSON.parse(drill.stdout);
    expect(result).toMatchObject({
      outcome: 'rolled-back',
      fault: 'error-rate',
      service: 'web',
      environment: 'production',
      revision: 2,
      rollbackKind: 'automatic',
      rollbackId: expect.stringMatching(/^rb_/),
    });
    // users met the fault, and the trigger's `for: 1s` bounds detection from below
    expect(answers).toContain('status 500');
    expect(result.detectedAfterMs).toBeGreaterThanOrEqual(900);
    expect(result.detectedAfterMs).toBeLessThan(60_000);
    expect(result.trafficRestoredAfterMs).toBeGreaterThanOrEqual(result.detectedAfterMs);
    expect(result.trafficRestoredAfterMs).toBeLessThan(60_000);
    expect(result.reportPath).toMatch(/\/state\/drills\/\d{4}-\d{2}-\d{2}-production-web-dr_\w+\.md$/);
    expect(result.reportPath.startsWith(project.dir)).toBe(true);
    expect(existsSync(result.reportPath)).toBe(true);
    const markdown = readFileSync(result.reportPath, 'utf8');
    expect(markdown).toContain('automatic');
    expect(markdown).toContain('fault → traffic restored');

    // the rollback is the monitor's, back to the live release, which never had the fault
    const shown = await cli('rollback', 'show', result.rollbackId, '--json');
    expect(JSON.parse(shown.stdout)).toMatchObject({
      kind: 'automatic',
      status: 'succeeded',
      fromRevision: 2,
      toRevision: 1,
    });
    const after = await Promise.all(Array.from({ length: 20 }, () => whoAnswers(ports.front)));
    expect(after).toEqual(Array(20).fill('v1'));
  });
});
