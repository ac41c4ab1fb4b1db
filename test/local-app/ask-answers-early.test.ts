import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject } from '../helpers/cli.js';
import { localProject, setFault, whoAnswers } from './harness.js';

// policy.automatic: false — a fired trigger asks a human. `deploy --watch` promises
// exit 4 when a human must act: it answers then, with the command to run, not when
// the (long) analysis ends.
let project: Project;
let serve: Serve | null = null;
afterAll(async () => {
  // the 10-minute analysis is still running: no drain, the run files let cleanup stop the instances
  await serve?.kill('SIGKILL');
  project?.cleanup();
});

const ASKING = `    analysis: { duration: 10m }
    triggers:
      - { metric: errorRate, above: 0.1, for: 0s, minSamples: 10, severity: high }
policy: { automatic: false }
`;

describe('deploy --watch when a human must decide', () => {
  it('exits 4 as soon as the approval is requested, naming the approve command', async () => {
    project = tempProject('rewind-ask-early-');
    const ports = { controller: await freePort(), front: await freePort() };
    localProject(project, ports, '');
    serve = await startServe(project, ports.controller);
    const cli = (...args: string[]) => runCli(args, { cwd: project.dir });
    expect((await cli('deploy', 'web', 'v1', '--watch')).code).toBe(0);
    // the same controller's project, now with a 10-minute analysis that asks before acting
    await serve.kill();
    project.write(
      'rewind.yaml',
      readFileSync(project.config, 'utf8').replace('    analysis: { duration: 0s }\n', ASKING),
    );
    serve = await startServe(project, ports.controller);

    setFault(project, 'v2', 'error-rate');
    let loading = true;
    const load = (async () => {
      while (loading) await whoAnswers(ports.front);
    })();
    const watched = await cli('deploy', 'web', 'v2', '--watch', '--json');
    loading = false;
    await load;
    expect(watched.code, watched.stderr).toBe(4);
    const result = JSON.parse(watched.stdout) as { outcome: string; reason: string };
    expect(result.outcome).toBe('waiting');
    expect(result.reason).toMatch(/rewind approve ap_\w+/);
    const approvals = await cli('approvals', '--json');
    expect(JSON.parse(approvals.stdout)).toEqual(
      expect.arrayContaining([expect.objectContaining({ status: 'pending', service: 'web' })]),
    );
  }, 120_000);
});
