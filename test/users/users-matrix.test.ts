/**
 * The runbook row "Customer impact > 100 users → manual decision, escalate to
 * the product team" as config: a usersAffected trigger and a matrix row that
 * asks and notifies the product channel. 150 affected users ask for approval and
 * reach the product team's webhook; 50 leave the release promoted, nobody told.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject, waitFor } from '../helpers/cli.js';
import { startReceiver } from '../harness/receiver.js';
import type { Receiver } from '../harness/receiver.js';
import { runUsers, usersProject, waitForRelease } from './users-load.js';

let project: Project | undefined;
let serve: Serve | undefined;
let receiver: Receiver | undefined;
afterEach(async () => {
  await serve?.kill('SIGTERM');
  await receiver?.close();
  serve = undefined;
  project?.cleanup();
});

const SERVICE = `    analysis: { duration: 12s }
    triggers:
      - { name: customer-impact, metric: usersAffected, above: 100, window: 1m, minSamples: 1, severity: medium }
`;
const policy = (url: string) => `policy:
  matrix:
    - { name: customer-impact, match: { metric: [usersAffected] }, action: ask, notify: [product] }
    - { match: { severity: [critical] }, action: rollback }
notifications:
  channels: [{ name: product, type: webhook, url: "${url}/product" }]
  routes: [{ events: ["approval.requested"], channels: [product] }]
`;

async function run(affectedUsers: number) {
  receiver = await startReceiver();
  project = tempProject('rewind-users-matrix-');
  const ports = { controller: await freePort(), front: await freePort() };
  usersProject(project, ports, SERVICE, policy(receiver.url));
  serve = await startServe(project, ports.controller);
  const dir = project.dir;
  const cli = (...args: string[]) => runCli(args, { cwd: dir });
  expect((await cli('deploy', 'web', 'v1', '--watch')).code).toBe(0);
  const watched = cli('deploy', 'web', 'v2', '--watch');
  await waitForRelease(ports.front, 'v2');
  const truth = await runUsers(ports.front, 600, affectedUsers, { perUser: 1 });
  return { cli, truth, watched };
}

describe('matrix usersAffected > 100 → ask, escalate to product', () => {
  it('asks and tells the product team with 150 affected users', async () => {
    const { cli, truth, watched } = await run(150);
    expect(truth.affected.size).toBe(150);
    const approvals = await waitFor('an approval', async () => {
      const list = JSON.parse((await cli('approvals', '--json')).stdout) as { id: string; reason: string }[];
      return list.length > 0 && list;
    });
    expect(approvals[0]?.reason).toMatch(/usersAffected/);
    const [sent] = await receiver!.waitForAccepted(1, 20_000);
    expect(sent?.path).toBe('/product');
    expect(sent?.body).toContain('approval');
    const outcome = await watched;
    expect(outcome.code, outcome.stderr).toBe(4);
  }, 240_000);

  it('does nothing with 50 affected users: promoted, nobody asked or told', async () => {
    const { cli, truth, watched } = await run(50);
    expect(truth.affected.size).toBe(50);
    const outcome = await watched;
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(JSON.parse((await cli('approvals', '--json')).stdout)).toEqual([]);
    expect(receiver!.requests).toEqual([]);
  }, 240_000);
});
