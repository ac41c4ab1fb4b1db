/**
 * The user's sequence with HAProxy as the front door: v1 serving, `health.ready`
 * changed to a path v1 answers 404, controller restarted — the same instances
 * keep serving through HAProxy with no failed request.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findHaproxy } from '../../src/proxy/haproxy/index.js';
import { missingPart } from '../harness/free-port.js';
import type { Receiver } from '../harness/receiver.js';
import { startReceiver } from '../harness/receiver.js';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject, waitFor } from '../helpers/cli.js';
import { events, failures, load, pidsAt, status, writeProject } from './harness.js';

const available = findHaproxy() !== undefined || missingPart('Debian haproxy (/usr/sbin/haproxy)') !== 'skip';

let project: Project | undefined;
let receiver: Receiver | undefined;
let serve: Serve | undefined;
afterAll(async () => {
  await serve?.kill('SIGTERM');
  await receiver?.close();
  project?.cleanup();
});

describe('operating Rewind behind HAProxy', () => {
  it.runIf(available)(
    'restart with a readiness path v1 does not answer: same instances, 0 failed requests, told',
    async () => {
      project = tempProject('rewind-operating-haproxy-');
      receiver = await startReceiver();
      const knobs = {
        controller: await freePort(),
        front: await freePort(),
        hook: join(project.dir, 'hook-done'),
        receiver: receiver.url,
        router: 'haproxy' as const,
      };
      writeProject(project, knobs);
      serve = await startServe(project, knobs.controller);
      const deployed = await runCli(['deploy', 'web', 'v1'], { cwd: project.dir });
      expect(deployed.code, deployed.stderr).toBe(0);
      const before = await pidsAt(knobs.front);
      await serve.kill('SIGTERM');
      writeProject(project, { ...knobs, ready: '/not-here' });
      serve = await startServe(project, knobs.controller);
      await waitFor(
        'the front door',
        async () => (await fetch(`http://127.0.0.1:${knobs.front}/`).catch(() => null))?.ok,
      );
      const generator = load(knobs.front);
      await waitFor(
        'the readiness event',
        async () => (await events(serve!.url, project!, ['service.readiness-kept']))[0],
      );
      await new Promise((r) => setTimeout(r, 4000));
      const report = await generator.stop();
      expect(report.total).toBeGreaterThan(150);
      expect(report.failed, failures(generator)).toBe(0);
      expect(await pidsAt(knobs.front)).toEqual(before);
      expect((await status(serve.url, project)).needsAttention.map((n) => n.kind)).toEqual(['readiness-changed']);
      expect(serve.output().match(/leader with token/g)).toHaveLength(1);
    },
    90_000,
  );
});
