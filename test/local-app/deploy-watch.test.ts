import { afterEach, describe, expect, it } from 'vitest';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject, waitFor } from '../helpers/cli.js';
import { localProject, setFault, whoAnswers } from './harness.js';

let project: Project;
let serve: Serve | null = null;
afterEach(async () => {
  await serve?.kill('SIGTERM');
  serve = null;
  project?.cleanup();
});

const WATCHED = `    analysis: { duration: 20s }
    postRollback: { watch: 1s }
    triggers:
      - { metric: errorRate, above: 0.1, for: 1s, minSamples: 10, severity: high }
`;

describe('deploy --watch as a CI gate, through a freeze', () => {
  it('a faulty release is rolled back automatically: exit 3, traffic back on v1', async () => {
    project = tempProject('rewind-watch-');
    const ports = { controller: await freePort(), front: await freePort() };
    localProject(project, ports, '');
    // replace the default analysis with a watched one
    const { readFileSync, writeFileSync } = await import('node:fs');
    writeFileSync(
      project.config,
      readFileSync(project.config, 'utf8').replace('    analysis: { duration: 0s }\n', WATCHED),
    );
    serve = await startServe(project, ports.controller);
    const cli = (...args: string[]) => runCli(args, { cwd: project.dir });
    expect((await cli('deploy', 'web', 'v1', '--watch')).code).toBe(0);

    setFault(project, 'v2', 'error-rate');
    let loading = true;
    const answers: string[] = [];
    const loop = async () => {
      while (loading) {
        answers.push(await whoAnswers(ports.front));
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    const load = Promise.all([loop(), loop(), loop()]);
    // v2 goes out through a freeze (break-glass); its automatic rollback is never held by the freeze
    expect((await cli('freeze', 'start', '--env', 'production', '--reason', 'holiday')).code).toBe(0);
    const watched = await cli('deploy', 'web', 'v2', '--watch', '--json', '--break-glass', '--reason', 'hotfix');
    loading = false;
    await load;
    expect(watched.code, `${watched.stdout}${watched.stderr}`).toBe(3);
    const result = JSON.parse(watched.stdout);
    expect(result).toMatchObject({
      outcome: 'rolled-back',
      release: { revision: 2, version: 'v2' },
      rollbackId: expect.stringMatching(/^rb_/),
    });
    expect(answers).toContain('status 500');
    const rollback = await waitFor('the automatic rollback to finish', async () => {
      const detail = JSON.parse((await cli('rollback', 'show', result.rollbackId, '--json')).stdout);
      return detail.status === 'succeeded' ? detail : null;
    });
    expect(rollback).toMatchObject({ kind: 'automatic', fromRevision: 2, toRevision: 1 });
    expect(await whoAnswers(ports.front)).toBe('v1');
    // quarantined (and still frozen): not allowed now
    const again = await cli('deploy', 'web', 'v2');
    expect(again.code, again.stderr).toBe(5);
    expect(again.stderr).toContain('quarantined');
  });
});
