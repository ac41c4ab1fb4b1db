/**
 * A traffic change is done only when the data plane says so: with HAProxy
 * stopped (SIGSTOP) through a rollback's traffic shift, the shift cannot be
 * read back, so the step fails and the rollback escalates — never `done` while
 * the bad release still serves. After SIGCONT a new rollback moves traffic.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { findHaproxy } from '../../src/proxy/haproxy/index.js';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject } from '../helpers/cli.js';
import { missingPart } from '../harness/free-port.js';
import { whoAnswers } from '../local-app/harness.js';
import { frontDoorRun, writeProject } from './harness.js';

const haproxy = findHaproxy() !== undefined || missingPart('Debian haproxy (/usr/sbin/haproxy)') !== 'skip';

interface Detail {
  status: string;
  error: string | null;
  steps: { name: string; status: string }[];
  journal: { stepIndex: number; status: string }[];
}

let project: Project | undefined;
let serve: Serve | null = null;
let paused: number | undefined;
afterEach(async () => {
  if (paused) process.kill(paused, 'SIGCONT');
  await serve?.kill('SIGKILL');
  serve = null;
  project?.cleanup();
});

describe('haproxy paused during a rollback shift', () => {
  it.runIf(haproxy)(
    'the shift step fails and escalates, never done; after SIGCONT a rollback moves traffic',
    async () => {
      project = tempProject('rewind-frontdoor-paused-');
      const ports = { controller: await freePort(), front: await freePort() };
      writeProject(project, ports, 'haproxy');
      serve = await startServe(project, ports.controller);
      const cli = (...args: string[]) => runCli(args, { cwd: (project as Project).dir });
      expect((await cli('deploy', 'web', 'v1')).code).toBe(0);
      const second = await cli('deploy', 'web', 'v2');
      expect(second.code, second.stdout + second.stderr).toBe(0);
      expect(await whoAnswers(ports.front)).toBe('v2');

      paused = frontDoorRun(project)?.workerPid; // HAProxy itself, not its supervisor
      process.kill(paused as number, 'SIGSTOP');
      const undo = await cli('undo', 'web', '--json');
      process.kill(paused as number, 'SIGCONT');
      paused = undefined;
      expect(undo.code).toBe(4);
      const { rollback } = JSON.parse(undo.stdout) as { rollback: Detail };
      expect(rollback.status).toBe('escalated');
      const shift = rollback.steps.findIndex((s) => s.name === 'shift-traffic');
      expect(rollback.steps[shift]?.status).toBe('failed');
      expect(rollback.journal.filter((j) => j.stepIndex === shift).map((j) => j.status)).not.toContain('done');
      expect(rollback.error).toMatch(/did not confirm|timed out/);

      const again = await cli('undo', 'web', '--wait-stable', '--json');
      expect(again.code, again.stderr).toBe(0);
      expect((JSON.parse(again.stdout) as { rollback: Detail }).rollback.status).toBe('succeeded');
      const answers = await Promise.all(Array.from({ length: 20 }, () => whoAnswers(ports.front)));
      expect(new Set(answers)).toEqual(new Set(['v1']));
    },
    120_000,
  );
});
