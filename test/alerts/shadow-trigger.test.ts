/**
 * A shadow trigger is tried on real releases before it may act: on a release
 * that answers errors, the shadow errorRate trigger fires and is recorded
 * (`trigger.shadow-fired`, `rewind policy shadow`), and nothing is rolled back.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { apiFetch } from '../helpers/api.js';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject } from '../helpers/cli.js';
import { localProject, setFault, whoAnswers } from '../local-app/harness.js';

let project: Project;
let serve: Serve | null = null;
afterAll(async () => {
  await serve?.kill('SIGTERM');
  project?.cleanup();
});

describe('shadow triggers', () => {
  it('fire and are recorded on a bad release, and never roll it back', async () => {
    project = tempProject('rewind-shadow-');
    const ports = { controller: await freePort(), front: await freePort() };
    localProject(project, ports, '');
    writeFileSync(
      project.config,
      readFileSync(project.config, 'utf8').replace(
        '    analysis: { duration: 0s }\n',
        `    analysis: { duration: 6s }
    triggers:
      - { name: errors-tried, metric: errorRate, above: 0.1, for: 1s, minSamples: 10, severity: critical, mode: shadow }
`,
      ),
    );
    serve = await startServe(project, ports.controller);
    const cli = (...args: string[]) => runCli(args, { cwd: project.dir });
    expect((await cli('deploy', 'web', 'v1', '--watch')).code).toBe(0);
    setFault(project, 'v2', 'error-rate');
    let loading = true;
    const load = (async () => {
      while (loading) {
        await whoAnswers(ports.front);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const watched = await cli('deploy', 'web', 'v2', '--watch', '--json');
    loading = false;
    await load;
    expect(watched.code, watched.stderr).toBe(0);
    expect(JSON.parse(watched.stdout)).toMatchObject({ outcome: 'promoted', rollbackId: null });

    const events = (await (await apiFetch(`${serve.url}/v1/events?service=web&limit=1000`, {}, project)).json()) as {
      type: string;
      revision: number;
      data: { trigger: string };
    }[];
    // it fires during the analysis and again while the live release is watched after promotion
    const shadow = events.filter((e) => e.type === 'trigger.shadow-fired');
    expect(shadow.length).toBeGreaterThan(0);
    expect(shadow.every((e) => e.revision === 2 && e.data.trigger === 'errors-tried')).toBe(true);
    expect(events.some((e) => e.type === 'trigger.fired' || e.type === 'decision.made')).toBe(false);
    const listed = JSON.parse((await cli('policy', 'shadow', '--json')).stdout) as {
      trigger: string;
      releaseStatus: string;
      rollbackId: string | null;
    }[];
    expect(listed.length).toBeGreaterThan(0);
    for (const row of listed)
      expect(row).toMatchObject({ trigger: 'errors-tried', releaseStatus: 'live', rollbackId: null });
  });
});
