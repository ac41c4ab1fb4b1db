import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject } from '../helpers/cli.js';
import { SAMPLE_APP, whoAnswers } from '../local-app/harness.js';

/*
 * A drill against a service that ignores the injected fault: the sample app
 * started with `--fault none` never reads FAULT, so its copy serves like the
 * live release. The drill sees the copy answer requests without misbehaving,
 * says the fault did not take effect and rolls the copy back itself, long before
 * its timeout — instead of reporting `not-detected` as if detection had failed.
 */
let project: Project | null = null;
let serve: Serve | null = null;
afterEach(async () => {
  await serve?.kill('SIGTERM');
  project?.cleanup();
  serve = null;
  project = null;
});

describe('rewind drill against a service that ignores the fault', () => {
  it('ends early with no-effect, says so, and puts traffic back on the live release', async () => {
    project = tempProject('rewind-drill-no-effect-');
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
      command: ["node", "${SAMPLE_APP}", "--release", "{version}", "--fault", "none"]
      instances: 1
      listen: 127.0.0.1:${ports.front}
      stopTimeout: 2s
    health: { live: /health/live, ready: /health/ready, interval: 200ms, timeout: 500ms, failureThreshold: 3, readyTimeout: 6s }
    analysis: { duration: 0s }
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
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    const load = Promise.all([loop(), loop()]);
    const drill = await cli('drill', 'production', '--fault', 'error-rate', '--timeout', '5m', '--json');
    loading = false;
    await load;
    // not a passing drill: exit 1, as for any outcome but rolled-back
    expect(drill.code, `${drill.stdout}${drill.stderr}`).toBe(1);
    const result = JSON.parse(drill.stdout);
    expect(result).toMatchObject({ outcome: 'no-effect', fault: 'error-rate', revision: 2, rollbackKind: 'drill' });
    expect(result.error).toMatch(
      /^the fault did not take effect: in \d+s the copy answered \d+ requests with no error/,
    );
    expect(result.error).toContain('FAULT');
    expect(result.detectedAfterMs).toBeNull();
    // decided from what the copy served, not by waiting out the 5-minute timeout
    expect(result.finishedAt - result.startedAt).toBeLessThan(120_000);
    expect(answers.length).toBeGreaterThan(20);
    expect(answers.filter((a) => a !== 'v1')).toEqual([]);
    expect(readFileSync(result.reportPath, 'utf8')).toContain('the fault did not take effect');

    const shown = JSON.parse((await cli('rollback', 'show', result.rollbackId, '--json')).stdout);
    expect(shown).toMatchObject({ kind: 'drill', status: 'succeeded', fromRevision: 2, toRevision: 1 });
    expect(shown.reason).toContain('the fault did not take effect');
    const history = JSON.parse((await cli('history', 'web', '--json')).stdout) as {
      revision: number;
      status: string;
    }[];
    expect(history.find((r) => r.revision === 1)?.status).toBe('live');
    expect(await whoAnswers(ports.front)).toBe('v1');
  }, 180_000);
});
