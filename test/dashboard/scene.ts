import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import { apiFetch } from '../helpers/api.js';
import type { CliResult, Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject, waitFor } from '../helpers/cli.js';
import type { Receiver } from '../harness/receiver.js';
import { startReceiver } from '../harness/receiver.js';
import type { Ports } from './project.js';
import { createToken, dashboardProject, seedDatabase, stateOf, steadyLoad } from './project.js';

/** A controller with history to show: people's tokens, releases, a drill, a rollback target, a backup, load. */
export interface Scene {
  project: Project;
  serve: Serve;
  ports: Ports;
  webhook: Receiver;
  tokens: Record<string, string>;
  cli(...args: string[]): Promise<CliResult>;
  close(): Promise<void>;
}

/** longer than web's post-rollback watch (3 s) and twice the charts' gap (2.5 s) */
export const QUIET_MS = 8000;

const PEOPLE = [
  ['vera', 'viewer'],
  ['oscar', 'operator'],
  ['alice', 'approver'],
  ['bob', 'approver'],
] as const;

/**
 * web (staging) gets v1, a drill (a faulty copy of v1, rolled back automatically,
 * so the drills page has a rehearsal) and v2; api (production) gets v1; the
 * database gets a backup. Both front doors carry steady load throughout.
 */
export async function startScene(): Promise<Scene> {
  const project = tempProject('rewind-dashboard-');
  const ports = { controller: await freePort(), web: await freePort(), api: await freePort() };
  const webhook = await startReceiver();
  dashboardProject(project, ports, webhook.url);
  seedDatabase(project);
  const serve = await startServe(project, ports.controller);
  const stops = [steadyLoad(ports.web), steadyLoad(ports.api)];
  const cli = (...args: string[]) => runCli(args, { cwd: project.dir });
  const admin = stateOf(project);
  const close = async () => {
    for (const stop of stops) stop();
    await webhook.close();
    await serve.kill('SIGTERM');
    project.cleanup();
  };
  try {
    const tokens: Record<string, string> = {};
    for (const [name, role] of PEOPLE) tokens[name] = await createToken(serve.url, project, name, role);
    for (const [service, env] of [
      ['web', 'staging'],
      ['api', 'production'],
    ] as const) {
      const deployed = await cli('deploy', service, 'v1', '--env', env);
      expect(deployed.code, deployed.stderr).toBe(0);
    }
    // web's analysis of a revision must be over before the next change, or the two race
    const promoted = (revision: number) =>
      waitFor(`web r${revision} promoted`, async () => {
        const status = await apiFetch(`${serve.url}/v1/status/web?environment=staging`, {}, admin);
        const { live } = (await status.json()) as { live: { status: string; revision: number } | null };
        return live?.status === 'live' && live.revision === revision;
      });
    await promoted(1);
    const started = await apiFetch(
      `${serve.url}/v1/drills`,
      { method: 'POST', json: { environment: 'staging', service: 'web', fault: 'error-rate' } },
      admin,
    );
    expect(started.status, await started.clone().text()).toBe(202);
    const { drillId } = (await started.json()) as { drillId: string };
    const drill = await waitFor(
      'the drill to finish',
      async () => {
        const answer = await apiFetch(`${serve.url}/v1/drills/${drillId}`, {}, admin);
        const body = (await answer.json()) as { status: string; result: { outcome: string } | null };
        return body.status === 'finished' ? body.result : null;
      },
      60_000,
      300,
    );
    expect(drill?.outcome).toBe('rolled-back');
    // seconds in which nothing of web is watched (the drill's post-rollback watch is 3 s): a hole the charts must show
    await sleep(QUIET_MS);
    const v2 = await cli('deploy', 'web', 'v2', '--env', 'staging');
    expect(v2.code, v2.stderr).toBe(0);
    await promoted(3);
    // a kill switch set on the live release: the service page lists it per release
    const flagged = await cli('flag', 'off', 'web', 'FEATURE_NEW_CHECKOUT', '--env', 'staging');
    expect(flagged.code, flagged.stderr).toBe(0);
    const backup = await apiFetch(`${serve.url}/v1/db/backups`, { method: 'POST', json: {} }, admin);
    expect(backup.status, await backup.clone().text()).toBe(201);
    return { project, serve, ports, webhook, tokens, cli, close };
  } catch (error) {
    await close();
    throw error;
  }
}
