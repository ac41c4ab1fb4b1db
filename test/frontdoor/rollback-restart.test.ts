/**
 * A controller SIGKILLed in the middle of a rollback's traffic shift, for both
 * routers, under ~200 requests/s from a separate client. The shift is held in
 * flight (the front door's control socket swapped for one that never answers,
 * while the front door goes on serving), so the step is journaled `running`
 * when the controller dies; the bad release (half of its answers are 500s)
 * then serves for seconds with no controller at all. The next controller
 * finishes the rollback: every request lands on the target, the only failed
 * requests are the bad release's own 500s (no refused, reset or timed-out
 * request), and the incident report counts the 500s of the seconds without a
 * controller, which only the front door saw.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findHaproxy } from '../../src/proxy/haproxy/index.js';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject, waitFor } from '../helpers/cli.js';
import { missingPart } from '../harness/free-port.js';
import { apiFetch } from '../helpers/api.js';
import { localProject, setFault, whoAnswers } from '../local-app/harness.js';
import type { Router } from './harness.js';
import { sleep, startLoad } from './harness.js';

const haproxy = findHaproxy() !== undefined || missingPart('Debian haproxy (/usr/sbin/haproxy)') !== 'skip';

let project: Project | undefined;
let serve: Serve | null = null;
let held: { release(): Promise<void> } | null = null;
let loading: { stop(): Promise<unknown> } | null = null;
afterEach(async () => {
  await loading?.stop();
  loading = null;
  await held?.release();
  held = null;
  await serve?.kill('SIGKILL');
  serve = null;
  if (project) await runCli(['down'], { cwd: project.dir });
  project?.cleanup();
});

/**
 * Moves a control socket aside and puts one in its place that accepts and never answers: the
 * controller's changes hang there while the front door goes on serving. `release()` puts the
 * real one back.
 */
function holdControl(path: string): { release(): Promise<void> } {
  renameSync(path, `${path}.held`);
  const open = new Set<Socket>();
  const hole = createServer((socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
  }).listen(path);
  return {
    release: async () => {
      for (const socket of open) socket.destroy();
      await new Promise((done) => hole.close(done));
      rmSync(path, { force: true });
      renameSync(`${path}.held`, path);
    },
  };
}

interface Detail {
  status: string;
  steps: { name: string; status: string }[];
}

describe.each<Router>(['builtin', 'haproxy'])('a rollback interrupted with its controller (router %s)', (router) => {
  it.runIf(router === 'builtin' || haproxy)(
    'is finished by the next controller: all traffic on the target, no dropped request, the gap counted',
    async () => {
      project = tempProject(`rewind-fd-rollback-${router}-`);
      const dir = project.dir;
      const ports = { controller: await freePort(), front: await freePort() };
      localProject(project, ports, '    postRollback: { watch: 1s }\n');
      writeFileSync(
        project.config,
        readFileSync(project.config, 'utf8').replace(
          '      stopTimeout: 2s\n',
          `      stopTimeout: 2s\n      router: ${router}\n`,
        ),
      );
      const cli = (...args: string[]) => runCli(args, { cwd: dir });
      // straight from the API: a CLI process per look can miss a step that runs for seconds
      const show = async (id: string): Promise<Detail> =>
        (await (
          await apiFetch(`${serve!.url}/v1/rollbacks/${id}`, {}, { dir, stateDir: join(dir, 'state') })
        ).json()) as Detail;

      serve = await startServe(project, ports.controller);
      expect((await cli('deploy', 'web', 'v1')).code).toBe(0);
      setFault(project, 'v2', 'error-rate');
      const load = await startLoad(ports.front, 200);
      loading = load;
      const deployed = await cli('deploy', 'web', 'v2');
      expect(deployed.code, deployed.stdout + deployed.stderr).toBe(0);

      // the shift held in flight: the front door keeps serving, its control channel never answers
      held = holdControl(join(dir, 'state/front-door/web', router === 'builtin' ? 'control.sock' : 'admin.sock'));
      const started = await cli('undo', 'web', '--no-wait', '--json', '--reason', 'error rate');
      expect(started.code, started.stdout + started.stderr).toBe(0);
      const rollbackId = (JSON.parse(started.stdout) as { rollback: { id: string } }).rollback.id;
      await waitFor(
        'the shift to be in flight',
        async () => {
          const shift = (await show(rollbackId)).steps.find((step) => step.name === 'shift-traffic');
          return shift?.status === 'running' ? shift : null;
        },
        60_000,
        20,
      );
      await serve.kill('SIGKILL');
      // seconds of the bad release with no controller: only the front door counts them
      const gapStart = await load.snapshot();
      await sleep(3000);
      await held.release();
      held = null;
      const gapEnd = await load.snapshot();

      serve = await startServe(project, ports.controller);
      const finished = await waitFor(
        'the next controller to finish the rollback',
        async () => {
          const detail = await show(rollbackId);
          return detail.status === 'succeeded' || detail.status === 'failed' ? detail : null;
        },
        90_000,
      );
      expect(finished.status).toBe('succeeded');
      expect(finished.steps.map((step) => step.status)).not.toContain('failed');
      await sleep(1000);
      const stats = await load.stop();
      loading = null;
      console.log(JSON.stringify({ gapStart: gapStart.errors, gapEnd: gapEnd.errors, end: stats.errors }));

      const answers = await Promise.all(Array.from({ length: 40 }, () => whoAnswers(ports.front)));
      expect(new Set(answers)).toEqual(new Set(['v1']));
      // what failed is the bad release's own answers: no refused, reset or timed-out request
      expect(Object.keys(stats.errors)).toEqual(['500']);
      expect(stats.answered).toBeGreaterThan(1000);
      const gap500 = (gapEnd.errors['500'] ?? 0) - (gapStart.errors['500'] ?? 0);
      expect(gap500).toBeGreaterThan(100);

      const report = JSON.parse((await cli('report', rollbackId, '--json')).stdout) as {
        impact: { failedRequests: number | null; totalRequests: number | null };
      };
      const counted = report.impact.failedRequests ?? 0;
      const client500 = stats.errors['500'] ?? 0;
      console.log(
        `${router}: ${client500} 500s seen by the client (${gap500} without a controller), ${counted} in the report`,
      );
      // the report's count is the client's, within the edges of its window: never short of the gap
      expect(counted).toBeGreaterThan(client500 - gap500 / 2);
      expect(Math.abs(counted - client500)).toBeLessThanOrEqual(Math.ceil(client500 * 0.05) + 5);
    },
    180_000,
  );
});
