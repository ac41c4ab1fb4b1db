/**
 * A release that crashes under GET load, with the previous release still warm:
 * every GET the dying instances could not answer is served by the warm release,
 * so the clients see no failed request while the restarts trigger rolls it back.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject, waitFor } from '../helpers/cli.js';
import { localProject, setFault, whoAnswers } from '../local-app/harness.js';
import { findHaproxy } from '../../src/proxy/haproxy/index.js';
import { requirePart } from '../harness/free-port.js';

// the HAProxy variant is always declared: without HAProxy it is skipped with its reason (failed in CI)
const haproxy = findHaproxy() !== undefined;
const routers = ['builtin', 'haproxy'];

let project: Project;
let serve: Serve | null = null;
afterEach(async () => {
  await serve?.kill('SIGTERM');
  serve = null;
  project?.cleanup();
});

const WATCHED = `    analysis: { duration: 5s }
    postRollback: { watch: 1s }
    triggers:
      - { metric: restarts, above: 1, severity: critical }
`;

describe.each(routers)('a release that crashes under load (router %s)', (router) => {
  it('loses no GET: the warm release answers what the dying one could not', async (ctx) => {
    if (router === 'haproxy') requirePart(ctx, haproxy, 'Debian haproxy (/usr/sbin/haproxy)');
    project = tempProject('rewind-crash-');
    const ports = { controller: await freePort(), front: await freePort() };
    localProject(project, ports, '');
    writeFileSync(
      project.config,
      readFileSync(project.config, 'utf8')
        .replace('    analysis: { duration: 0s }\n', WATCHED)
        .replace(
          '      stopTimeout: 2s\n',
          `      stopTimeout: 2s\n      router: ${router}\n      env: { FAULT_AFTER_MS: "1500" }\n`,
        ),
    );
    serve = await startServe(project, ports.controller);
    const cli = (...args: string[]) => runCli(args, { cwd: project.dir });
    expect((await cli('deploy', 'web', 'v1', '--watch')).code).toBe(0);

    setFault(project, 'v2', 'crash');
    let loading = true;
    const answers: string[] = [];
    const loop = async (): Promise<void> => {
      while (loading) answers.push(await whoAnswers(ports.front));
    };
    const load = Promise.all([loop(), loop(), loop(), loop()]);
    const watched = await cli('deploy', 'web', 'v2', '--watch', '--json');
    const result = JSON.parse(watched.stdout) as { rollbackId: string };
    await waitFor('the automatic rollback to finish', async () => {
      const detail = JSON.parse((await cli('rollback', 'show', result.rollbackId, '--json')).stdout);
      return detail.status === 'succeeded' ? detail : null;
    });
    loading = false;
    await load;
    expect(watched.code, `${watched.stdout}${watched.stderr}`).toBe(3);
    const failed = answers.filter((answer) => answer !== 'v1' && answer !== 'v2');
    expect(answers.filter((answer) => answer === 'v2').length).toBeGreaterThan(20);
    expect(answers.length).toBeGreaterThan(200);
    expect(failed).toEqual([]);
    expect(await whoAnswers(ports.front)).toBe('v1');
  }, 90_000);
});
