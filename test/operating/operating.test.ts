/**
 * Operating Rewind itself, with real processes: `rewind serve` as a subprocess,
 * the builtin switch in front of two instances, load from this test process
 * (a client outside the controller) and a loopback webhook receiver.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Receiver } from '../harness/receiver.js';
import { startReceiver } from '../harness/receiver.js';
import { apiFetch } from '../helpers/api.js';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject, waitFor } from '../helpers/cli.js';
import type { Knobs } from './harness.js';
import { events, failures, load, pidsAt, status, writeProject } from './harness.js';

let project: Project;
let receiver: Receiver;
let serve: Serve;
let knobs: Knobs;
const cli = (...args: string[]) => runCli(args, { cwd: project.dir });
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGTERM, and how long the process took to exit. */
async function stopServe(): Promise<number> {
  const started = Date.now();
  await serve.kill('SIGTERM');
  return Date.now() - started;
}

beforeAll(async () => {
  project = tempProject('rewind-operating-');
  receiver = await startReceiver();
  knobs = {
    controller: await freePort(),
    front: await freePort(),
    hook: join(project.dir, 'hook-done'),
    receiver: receiver.url,
  };
  writeProject(project, knobs);
  serve = await startServe(project, knobs.controller);
  const deployed = await cli('deploy', 'web', 'v1');
  expect(deployed.code, deployed.stderr).toBe(0);
}, 60_000);

afterAll(async () => {
  await serve?.kill('SIGKILL');
  await receiver?.close();
  project?.cleanup();
});

describe('operating Rewind (builtin switch, local driver)', () => {
  it('a readiness path changed and reloaded: the diff is shown and recorded, v1 keeps serving', async () => {
    const generator = load(knobs.front);
    await pause(500);
    writeProject(project, { ...knobs, ready: '/not-here' });
    const reloaded = await cli('reload');
    await pause(3000);
    const report = await generator.stop();
    expect(reloaded.code, reloaded.stderr).toBe(0);
    expect(reloaded.stdout).toContain('services.web.health.ready: "/health/ready" → "/not-here"');
    expect(report.total).toBeGreaterThan(100);
    expect(report.failed, failures(generator)).toBe(0);
    const [recorded] = await events(serve.url, project, ['config.reloaded']);
    expect(recorded?.message).toContain('services.web.health.ready');
    expect((recorded?.data.changes as { path: string }[]).map((c) => c.path)).toContain('services.web.health.ready');
    const now = await status(serve.url, project);
    expect(now.weights).toEqual({ '1': 100 });
    expect(now.needsAttention.map((n) => n.kind)).toContain('readiness-changed');
    // a restart must prove the new check on fresh processes: they answer 404 there, so the old ones keep serving
    const pids = await pidsAt(knobs.front);
    const proving = load(knobs.front);
    const restarted = await cli('restart', 'web');
    const during = await proving.stop();
    expect(restarted.code).toBe(1);
    expect(restarted.stderr).toMatch(/not ready .*last probe: .*404.*the old one keeps serving/);
    expect(during.failed, failures(proving)).toBe(0);
    expect(await pidsAt(knobs.front)).toEqual(pids);
  }, 60_000);

  it('the user’s sequence: controller restarted with that path — same instances, 0 failed requests, one term, told', async () => {
    const before = await pidsAt(knobs.front);
    const heard = receiver.requests.length;
    const tookMs = await stopServe();
    expect(tookMs).toBeLessThan(12_000 + 3_000);
    expect(serve.output()).toMatch(/left running: web in production: r1 v1 \(2 instances/);
    // what the SIGTERM line promised: the front door answered after the controller had gone
    expect(serve.output()).toContain('front doors and instances keep serving');
    expect(serve.output()).toContain(`front door http://127.0.0.1:${knobs.front}: still answers`);
    serve = await startServe(project, knobs.controller);
    await waitFor(
      'the front door',
      async () => (await fetch(`http://127.0.0.1:${knobs.front}/`).catch(() => null))?.ok,
    );
    const generator = load(knobs.front);
    // the notification of this controller's start, not the reload's
    const told = await waitFor('a readiness notification', async () =>
      receiver.requests.slice(heard).find((r) => r.status < 300 && r.body.includes('keeps the readiness check')),
    );
    await pause(6000);
    const report = await generator.stop();
    expect(report.failed, failures(generator)).toBe(0);
    expect(report.total).toBeGreaterThan(200);
    expect(await pidsAt(knobs.front)).toEqual(before);
    expect(told.body).toContain('/not-here');
    const event = (await events(serve.url, project, ['service.readiness-kept'])).at(-1);
    expect(event?.message).toContain('rewind restart web --env production');
    const now = await status(serve.url, project);
    const item = now.needsAttention.find((n) => n.kind === 'readiness-changed');
    expect(item?.reason).toContain('/not-here');
    expect(item?.suggested).toBe('rewind restart web --env production');
    expect(serve.output().match(/leader with token/g)).toHaveLength(1);
    expect(serve.output()).not.toContain('stepping down');
    const rollbacks = (await (await apiFetch(`${serve.url}/v1/rollbacks`, {}, project)).json()) as unknown[];
    expect(rollbacks).toEqual([]);
  }, 90_000);

  it('a trigger threshold changed and reloaded: the next evaluation fires on it', async () => {
    writeProject(project, { ...knobs, analysis: '120s' });
    expect((await cli('reload')).code).toBe(0);
    // the check the live release was made ready under is the config's again: nothing to attend to
    expect((await status(serve.url, project)).needsAttention).toEqual([]);
    const generator = load(knobs.front);
    const deployed = await cli('deploy', 'web', 'v2');
    expect(deployed.code, deployed.stderr).toBe(0);
    await pause(2000);
    expect(await events(serve.url, project, ['trigger.fired'])).toEqual([]);
    writeProject(project, { ...knobs, analysis: '120s', below: 100_000 });
    const reloaded = await cli('reload');
    expect(reloaded.stdout + reloaded.stderr).toContain('below');
    const fired = await waitFor('the trigger', async () => (await events(serve.url, project, ['trigger.fired']))[0]);
    expect(JSON.stringify(fired)).toContain('slow-traffic');
    await generator.stop();
  }, 90_000);

  it('SIGTERM in the middle of a step: exits within the bound, the next controller finishes the rollback', async () => {
    const interrupted = await waitFor('the hook step', async () =>
      (await events(serve.url, project, ['rollback.step-started'])).find((e) => e.message.includes('page-the-team')),
    );
    const tookMs = await stopServe();
    expect(tookMs).toBeLessThan(12_000 + 3_000);
    serve = await startServe(project, knobs.controller);
    const done = await waitFor(
      'the rollback to finish',
      async () => (await events(serve.url, project, ['rollback.completed']))[0],
      60_000,
    );
    expect(done.rollbackId).toBe(interrupted?.rollbackId);
    expect((await status(serve.url, project)).live?.version).toBe('v1');
  }, 120_000);

  it('rewind stop survives a controller restart until rewind start', async () => {
    const stopped = await cli('stop', 'web', '--reason', 'maintenance');
    expect(stopped.code, stopped.stderr).toBe(0);
    await stopServe();
    serve = await startServe(project, knobs.controller);
    await waitFor(
      'the kept-stopped event',
      async () => (await events(serve.url, project, ['controller.kept-stopped']))[0],
    );
    const answer = await fetch(`http://127.0.0.1:${knobs.front}/`).catch(() => null);
    expect(answer?.ok ?? false).toBe(false);
    const now = await status(serve.url, project);
    expect(now.stopped?.reason).toBe('maintenance');
    expect(now.needsAttention.find((n) => n.kind === 'stopped')?.suggested).toBe('rewind start web --env production');
    const started = await cli('start', 'web');
    expect(started.code, started.stderr).toBe(0);
    expect((await fetch(`http://127.0.0.1:${knobs.front}/`)).ok).toBe(true);
    expect((await status(serve.url, project)).stopped).toBeNull();
  }, 90_000);

  it('what needs a restart is named and kept; the CLI warns; a bad file changes nothing', async () => {
    const text = (await import('node:fs')).readFileSync(project.config, 'utf8');
    project.write('rewind.yaml', text.replace('stopTimeout: 12s', 'stopTimeout: 13s'));
    const reloaded = await cli('reload');
    expect(reloaded.code, reloaded.stderr).toBe(0);
    expect(reloaded.stdout).toMatch(/! controller\.stopTimeout: "12s" → "13s" — needs a restart of rewind serve/);
    const warned = await cli('status', 'web');
    expect(warned.stderr).toMatch(
      /the controller runs rewind\.yaml as of .*; this file changed at .* controller\.stopTimeout/,
    );
    project.write('rewind.yaml', text.replace('instances: 2', 'instances: lots'));
    const refused = await cli('reload');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('services.web.driver.instances');
    // the file watch saw it too: recorded as refused, nothing applied
    const [event] = await waitFor('the refusal', async () => events(serve.url, project, ['config.reload-refused']));
    expect(event?.message).toContain('nothing was changed');
    const running = (await (await apiFetch(`${serve.url}/v1/config`, {}, project)).json()) as { pending: unknown[] };
    expect(running.pending).toHaveLength(1);
    project.write('rewind.yaml', text);
  }, 60_000);
});
