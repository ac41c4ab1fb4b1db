/**
 * `rewind approve` follows the rollback it started; Ctrl-C stops following, not
 * the rollback: the CLI says the rollback goes on in the controller (exit 130)
 * and the controller finishes it.
 */
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import type { Controller } from '../../src/runtime/controller.js';
import { createToken } from '../../src/app/access/tokens.js';
import { createHttpApi } from '../../src/cli/http-client.js';
import { BIN } from '../helpers/cli.js';
import { actor, commandService, startTestController, tempDir, waitFor, writeConfig } from '../monitor/harness.js';

let controller: Controller | undefined;
const temp = tempDir('approve-interrupt');
afterAll(async () => {
  await controller?.close();
  temp.remove();
});

describe('approve, interrupted', () => {
  it('Ctrl-C while following leaves the approved rollback running to its end', async () => {
    const file = writeConfig(temp.dir, {
      environments: { 'prod-eu': { protected: true } },
      // the rollback's last step watches for 6 s: long enough to interrupt the CLI inside it
      services: { api: commandService(temp.dir, { postRollback: { watch: '6s' } }) },
    });
    controller = await startTestController(file);
    const token = async (name: string) =>
      (await createToken(controller!.ctx, { name, role: 'approver', createdBy: 'test' })).token;
    const alice = createHttpApi(controller.url, await token('alice'));
    for (const version of ['v1', 'v2']) {
      const deployed = await alice.deploy({
        service: 'api',
        environment: 'prod-eu',
        version,
        watch: true,
        waitStable: true,
        actor: actor('alice'),
      });
      expect(deployed.outcome).toBe('promoted');
    }
    const asked = await alice.undo({ service: 'api', environment: 'prod-eu', reason: 'drill', actor: actor('alice') });
    const id = asked.approval?.id as string;
    expect(id).toBeTruthy();

    const cli = spawn(process.execPath, [BIN, 'approve', id, '--config', file, '--controller', controller.url], {
      cwd: temp.dir,
      env: { ...process.env, NO_COLOR: '1', REWIND_TOKEN: await token('bob') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    cli.stdout.on('data', (c: Buffer) => (output += c.toString()));
    cli.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((done) => cli.on('close', done));
    await waitFor('the CLI following the rollback', async () => /rollback \S+ started/.test(output), 30_000);
    const rollbackId = /rollback (\S+) started/.exec(output)?.[1] as string;
    cli.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(output).toContain(`rollback ${rollbackId} goes on in the controller`);
    expect((await alice.rollback(rollbackId)).status).toBe('running');

    const finished = await waitFor(
      'the rollback to end in the controller',
      async () => {
        const r = await alice.rollback(rollbackId);
        return r.status !== 'running' && r.status !== 'planned' && r;
      },
      30_000,
    );
    expect(finished).toMatchObject({ status: 'succeeded', fromRevision: 2, toRevision: 1 });
  }, 90_000);
});
