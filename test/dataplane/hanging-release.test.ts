/**
 * A release that accepts requests and never answers them: the client gets a 504
 * after `driver.upstreamTimeout` instead of hanging, and a sequential p95 trigger
 * catches it (requests in flight count at their age) and rolls it back, with the
 * test, the requests it used and its confidence in the incident report.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject, waitFor } from '../helpers/cli.js';
import { localProject, setFault, whoAnswers } from '../local-app/harness.js';

let project: Project;
let serve: Serve | null = null;
afterEach(async () => {
  await serve?.kill('SIGTERM');
  serve = null;
  project?.cleanup();
});

const UPSTREAM_TIMEOUT_MS = 1000;
const WATCHED = `    analysis: { duration: 6s }
    postRollback: { watch: 1s }
    triggers:
      - { metric: latencyP95Ms, above: 400, evidence: sequential, falseAlarm: 0.001, severity: high }
`;

interface Answer {
  status: number | string;
  ms: number;
}

async function timedGet(front: number): Promise<Answer> {
  const started = Date.now();
  try {
    const response = await fetch(`http://127.0.0.1:${front}/`, { signal: AbortSignal.timeout(10_000) });
    await response.arrayBuffer();
    return { status: response.status, ms: Date.now() - started };
  } catch (error) {
    return { status: `error ${(error as Error).message}`, ms: Date.now() - started };
  }
}

describe('a release that never answers', () => {
  it('answers 504 after upstreamTimeout and is rolled back by a sequential p95 trigger', async () => {
    project = tempProject('rewind-hang-');
    const ports = { controller: await freePort(), front: await freePort() };
    localProject(project, ports, '');
    writeFileSync(
      project.config,
      readFileSync(project.config, 'utf8')
        .replace('    analysis: { duration: 0s }\n', WATCHED)
        .replace(
          '      stopTimeout: 2s\n',
          `      stopTimeout: 2s\n      upstreamTimeout: ${UPSTREAM_TIMEOUT_MS}ms\n      env: { FAULT_LATENCY_MS: "600000", FAULT_AFTER_MS: "1500" }\n`,
        ),
    );
    serve = await startServe(project, ports.controller);
    const cli = (...args: string[]) => runCli(args, { cwd: project.dir });
    expect((await cli('deploy', 'web', 'v1', '--watch')).code).toBe(0);

    setFault(project, 'v2', 'latency');
    let loading = true;
    const answers: Answer[] = [];
    const loop = async (): Promise<void> => {
      while (loading) {
        answers.push(await timedGet(ports.front));
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    const load = Promise.all([loop(), loop(), loop(), loop()]);
    const watched = await cli('deploy', 'web', 'v2', '--watch', '--json');
    loading = false;
    await load;
    expect(watched.code, `${watched.stdout}${watched.stderr}`).toBe(3);
    const result = JSON.parse(watched.stdout) as { rollbackId: string };

    // Nobody hung: the slowest answer is the upstream timeout plus scheduling.
    const timedOut = answers.filter((answer) => answer.status === 504);
    expect(timedOut.length).toBeGreaterThan(0);
    for (const answer of timedOut) expect(answer.ms).toBeGreaterThanOrEqual(UPSTREAM_TIMEOUT_MS - 50);
    expect(Math.max(...answers.map((answer) => answer.ms))).toBeLessThan(UPSTREAM_TIMEOUT_MS + 3000);
    expect(answers.filter((answer) => typeof answer.status === 'string')).toEqual([]);

    await waitFor('the automatic rollback to finish', async () => {
      const detail = JSON.parse((await cli('rollback', 'show', result.rollbackId, '--json')).stdout);
      return detail.status === 'succeeded' ? detail : null;
    });
    expect(await whoAnswers(ports.front)).toBe('v1');
    const report = (await cli('report', result.rollbackId, '--format', 'json')).stdout;
    const evidence = (JSON.parse(report) as { evidence: { metric: string; sequential?: Record<string, number> }[] })
      .evidence;
    const sequential = evidence.find((e) => e.metric === 'latencyP95Ms')?.sequential;
    expect(sequential).toMatchObject({ method: expect.stringMatching(/SPRT/), falseAlarm: 0.001, rate: 0.05 });
    expect(sequential?.confidence).toBeGreaterThanOrEqual(0.999);
    expect(sequential?.bad).toBeGreaterThan(0);
  }, 90_000);
});
