/**
 * Recovery on a real engine: a tag moved to other bytes after deploy (a rollback
 * runs what the release recorded), and a controller SIGKILLed in the middle of a
 * rollback (the next one adopts by label and touches nothing it did not label).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { startServe, waitFor } from '../helpers/cli.js';
import { containers, loadFront, ofRevision, whoAnswers } from './harness.js';
import type { SuiteCase } from './suite-context.js';

export type RecoveryCase = 'moved-tag' | 'sigkill';

export const recoveryCases: SuiteCase<RecoveryCase>[] = [
  {
    name: 'moved-tag',
    title: 'a tag moved to other bytes after deploy: a rollback still runs the recorded digest',
    timeout: 180_000,
    async run(s) {
      const r1 = (await s.history()).find((r) => r.revision === 1);
      const original = await s.engine.imageId(r1?.artifact ?? '');
      // the tag now names an image that crashes at once
      await s.engine.buildImage('localhost/app:v1', { FAULT: 'crash', FAULT_AFTER_MS: '0' });
      const v3 = await s.cli('deploy', 'web', 'v3', '--watch');
      expect(v3.code, v3.stdout + v3.stderr).toBe(0);
      // after rollbackWindow the warm v1 is stopped (kept); remove it too, so the rollback must create it afresh
      await waitFor('v1 to be stopped', async () =>
        ofRevision(await containers(s.engine), 1).every((r) => r.state === 'exited'),
      );
      for (const row of ofRevision(await containers(s.engine), 1)) await s.engine.cli(['rm', '--force', row.id]);
      const undo = await s.cli('undo', 'web', '--to-revision', '1', '--yes', '--wait-stable', '--reason', 'back to v1');
      expect(undo.code, undo.stdout + undo.stderr).toBe(0);
      const rows = ofRevision(await containers(s.engine), 1);
      expect(rows.map((r) => [r.state, r.imageId])).toEqual([['running', original]]);
      await new Promise((r) => setTimeout(r, 1500));
      expect(await whoAnswers(s.ports.front)).toBe('v1');
      expect(ofRevision(await containers(s.engine), 1).map((r) => r.state)).toEqual(['running']);
    },
  },
  {
    name: 'sigkill',
    title:
      'after a SIGKILL in the middle of a rollback the next controller adopts by label, makes no duplicates and leaves unlabelled containers alone',
    timeout: 180_000,
    async run(s) {
      const outsider = (
        await s.engine.cli([
          'run',
          '-d',
          '--name',
          'not-rewinds',
          'localhost/app:v3',
          '/usr/bin/node',
          '/app/server.js',
        ])
      ).trim();
      const before = Math.max(...(await s.history()).map((r) => r.revision));
      // the bad release's 500s are only seen under traffic
      const load = loadFront(s.ports.front, 2);
      // the CLI loses its controller half-way: its own answer does not matter
      let deployed = '';
      const deploying = s
        .cli('deploy', 'web', 'v2', '--force', '--watch')
        .then((r) => void (deployed = `exit ${r.code}: ${r.stdout}${r.stderr}`));
      const rollback = await waitFor(
        'the automatic rollback to start',
        async () => {
          // straight from the API: a CLI process per look is slower than a short rollback
          const token = readFileSync(join(s.project.dir, 'state', 'admin.token'), 'utf8').trim();
          const answer = await fetch(`${s.serve?.url}/v1/rollbacks?service=web`, {
            headers: { authorization: `Bearer ${token}` },
          });
          const list = (await answer.json()) as { id: string; status: string; fromRevision: number }[];
          const found = list.find((r) => r.fromRevision > before);
          if (!found && deployed) throw new Error(`the deploy ended without a rollback: ${deployed}`);
          return found?.status === 'running' ? found : null;
        },
        60_000,
        20,
      ).catch(async (error: unknown) => {
        const list = (await s.cli('rollbacks')).stdout;
        throw new Error(`${(error as Error).message}\n${list}\n${(await s.cli('history', 'web')).stdout}`);
      });
      await s.serve?.kill('SIGKILL');
      s.serve = await startServe(s.project, s.ports.controller);
      await deploying;
      expect((await s.rollbackDone(rollback.id)).status).toBe('succeeded');
      await load.stop();
      const rows = await containers(s.engine);
      const live = (await s.history()).find((r) => r.status === 'live');
      const running = rows.filter((r) => r.state === 'running' && r.labels['dev.rewind.service'] === 'web');
      expect(running.map((r) => r.labels['dev.rewind.revision'])).toEqual([String(live?.revision)]);
      expect(rows.filter((r) => r.labels['dev.rewind.revision'] === String(rollback.fromRevision)).length).toBe(1);
      expect(rows.find((r) => r.id === outsider)?.state).toBe('running');
      expect(await whoAnswers(s.ports.front)).toBe(live?.version);
    },
  },
];
