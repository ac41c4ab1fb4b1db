/**
 * The front door outlives the controller, for both routers, with real
 * processes: under ~200 requests/s of GET and POST from a separate client, a
 * SIGKILLed and then a SIGTERMed `rewind serve` restarted fails no request,
 * leaves one front door on the port, and a deploy afterwards moves every
 * request. The front door's own death is short and keeps its weights; `rewind
 * down` leaves nothing behind; a stale run file naming a reused pid is not
 * adopted and its process is left alone; the control socket refuses another user.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findHaproxy } from '../../src/proxy/haproxy/index.js';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject, waitFor } from '../helpers/cli.js';
import { missingPart } from '../harness/free-port.js';
import { whoAnswers } from '../local-app/harness.js';
import type { Router } from './harness.js';
import {
  frontDoorProcesses,
  frontDoorRun,
  listeningSockets,
  sleep,
  startLoad,
  startTime,
  writeProject,
} from './harness.js';

const haproxy = findHaproxy() !== undefined || missingPart('Debian haproxy (/usr/sbin/haproxy)') !== 'skip';
const root = process.getuid?.() === 0;
const runuser = existsSync('/usr/sbin/runuser') || existsSync('/sbin/runuser');
// connecting as another user needs root (runuser): without it that check is skipped, loudly
const otherUser = (root && runuser) || missingPart('root and runuser (to connect as the user nobody)') !== 'skip';

let project: Project | undefined;
let serve: Serve | null = null;
const strays: number[] = [];
afterEach(async () => {
  await serve?.kill('SIGKILL');
  serve = null;
  for (const pid of strays.splice(0)) process.kill(pid, 'SIGKILL');
  project?.cleanup();
});

/** Connects to the control socket as `nobody`; prints the error code or "connected". */
function connectAsNobody(socket: string): string {
  const script = `require('net').connect(${JSON.stringify(socket)}).on('connect',()=>{console.log('connected');process.exit(0)}).on('error',(e)=>{console.log(e.code);process.exit(0)})`;
  return execFileSync('runuser', ['-u', 'nobody', '--', process.execPath, '-e', script], { encoding: 'utf8' }).trim();
}

describe.each<Router>(['builtin', 'haproxy'])('the %s front door outlives the controller', (router) => {
  it.runIf(router === 'builtin' || haproxy)(
    'restarts of the controller fail no request; one front door; its own death is short; down stops all',
    async () => {
      project = tempProject(`rewind-frontdoor-${router}-`);
      const ports = { controller: await freePort(), front: await freePort() };
      writeProject(project, ports, router);
      // a stale run file: its pid is alive but a process Rewind did not start (another start time)
      const squatter = spawn('sleep', ['300'], { stdio: 'ignore' });
      strays.push(squatter.pid as number);
      mkdirSync(join(project.dir, 'state/front-door/web'), { recursive: true });
      writeFileSync(
        join(project.dir, 'state/front-door/web/run.json'),
        JSON.stringify({
          service: 'web',
          router,
          pid: squatter.pid,
          startTime: 1,
          host: '127.0.0.1',
          port: ports.front,
          protocol: 1,
          startedAt: 0,
        }),
      );
      const cli = (...args: string[]) => runCli(args, { cwd: (project as Project).dir });

      serve = await startServe(project, ports.controller);
      expect(startTime(squatter.pid as number)).not.toBeNull();
      expect(frontDoorRun(project)?.pid).not.toBe(squatter.pid);
      expect((await cli('deploy', 'web', 'v1')).code).toBe(0);
      expect(await whoAnswers(ports.front)).toBe('v1');
      const first = frontDoorRun(project);

      const load = await startLoad(ports.front, 200);
      await sleep(2000);
      await serve.kill('SIGKILL');
      await sleep(1500);
      serve = await startServe(project, ports.controller);
      await sleep(1500);
      await serve.kill('SIGTERM');
      expect(serve.output()).toContain('still serving: web on port');
      await sleep(1500);
      serve = await startServe(project, ports.controller);
      await sleep(1000);
      // adopted both times: the same front-door process as before the restarts
      expect(frontDoorRun(project)?.pid).toBe(first?.pid);
      expect((await cli('deploy', 'web', 'v2')).code).toBe(0);
      await sleep(1000);
      const stats = await load.stop();
      expect(stats.errors).toEqual({});
      expect(stats.failed).toBe(0);
      expect(stats.answered).toBeGreaterThan(1500);
      expect(stats.byRelease.v2).toBeGreaterThan(0);
      const answers = await Promise.all(Array.from({ length: 40 }, () => whoAnswers(ports.front)));
      expect(new Set(answers)).toEqual(new Set(['v2']));
      expect(listeningSockets(ports.front)).toBe(1);
      expect(frontDoorProcesses(project, router)).toHaveLength(2);

      if (otherUser) {
        // the project's own folders opened up: only the front door's folder and socket modes protect it
        chmodSync(project.dir, 0o755);
        chmodSync(join(project.dir, 'state'), 0o755);
        const socket = join(project.dir, `state/front-door/web/${router === 'builtin' ? 'control' : 'admin'}.sock`);
        expect(statSync(socket).mode & 0o777).toBe(0o600);
        expect(statSync(join(project.dir, 'state/front-door/web')).mode & 0o777).toBe(0o700);
        expect(connectAsNobody(socket)).toBe('EACCES');
      }

      // the front door's own death: the serving process (worker, or HAProxy under its supervisor) SIGKILLed,
      // serving again with the same weights
      const run = frontDoorRun(project);
      process.kill(run?.workerPid as number, 'SIGKILL');
      const killedAt = Date.now();
      await waitFor('the front door to answer again', async () => (await whoAnswers(ports.front)) === 'v2', 10_000, 20);
      const backAfterMs = Date.now() - killedAt;
      expect(backAfterMs).toBeLessThan(10_000);
      console.log(`${router}: front door serving again ${backAfterMs} ms after its SIGKILL`);

      await serve.kill('SIGTERM');
      serve = null;
      expect(await whoAnswers(ports.front)).toBe('v2');
      const downed = await cli('down');
      expect(downed.code).toBe(0);
      expect(downed.stdout + downed.stderr).toContain('front door of web: stopped');
      expect(listeningSockets(ports.front)).toBe(0);
      expect(frontDoorProcesses(project, router)).toEqual([]);
      expect(frontDoorRun(project)).toBeUndefined();
      expect(await whoAnswers(ports.front)).toMatch(/^error/);
      // the stale run file's pid was never signalled
      expect(startTime(squatter.pid as number)).not.toBeNull();
    },
    120_000,
  );
});
