/**
 * A local release that exits with code 1 four seconds after each start is a crash
 * loop: it is rolled back by the built-in crash-loop trigger although only an
 * error-rate trigger is configured (the front door's retries keep its error rate low).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject } from '../helpers/cli.js';
import { localProject, setFault, whoAnswers } from './harness.js';

let project: Project;
let serve: Serve | null = null;
afterEach(async () => {
  await serve?.kill('SIGTERM');
  serve = null;
  project?.cleanup();
});

describe('a crash-looping local release', () => {
  it('is rolled back without a restarts trigger', async () => {
    project = tempProject('rewind-crashloop-');
    const ports = { controller: await freePort(), front: await freePort() };
    localProject(project, ports, '');
    writeFileSync(
      project.config,
      readFileSync(project.config, 'utf8')
        .replace(
          '    analysis: { duration: 0s }\n',
          '    analysis: { duration: 12s }\n    postRollback: { watch: 1s }\n    triggers:\n      - { metric: errorRate, above: 0.5, for: 2s, severity: critical }\n',
        )
        .replace('      stopTimeout: 2s\n', '      stopTimeout: 2s\n      env: { FAULT_AFTER_MS: "4000" }\n'),
    );
    serve = await startServe(project, ports.controller);
    const cli = (...args: string[]) => runCli(args, { cwd: project.dir });
    expect((await cli('deploy', 'web', 'v1', '--watch')).code).toBe(0);
    setFault(project, 'v2', 'crash');
    const watched = await cli('deploy', 'web', 'v2', '--watch', '--json');
    expect(watched.code, watched.stdout + watched.stderr).toBe(3);
    expect(JSON.parse(watched.stdout).reason).toContain('crash-loop');
    expect(await whoAnswers(ports.front)).toBe('v1');
  }, 90_000);
});
