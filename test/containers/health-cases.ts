/**
 * The image's HEALTHCHECK on a real engine (`imageHealthcheck: true`): an image
 * whose check fails is never given traffic — its deploy fails naming the check —
 * although the app answers its probes; an image whose check passes goes live.
 */
import { expect } from 'vitest';
import { containers, ofRevision, whoAnswers } from './harness.js';
import type { SuiteCase } from './suite-context.js';

export type HealthCase = 'unhealthy-image' | 'healthy-image';

const check = (script: string) =>
  `HEALTHCHECK --interval=1s --timeout=3s --retries=2 CMD ["/usr/bin/node", "-e", ${JSON.stringify(script)}]`;

/** the images these cases deploy: v6 passes its check, v7 fails it (and says why) */
export const HEALTHCHECK_IMAGES: { tag: string; change: string }[] = [
  {
    tag: 'localhost/app:v6',
    change: check(
      "fetch('http://127.0.0.1:8080/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))",
    ),
  },
  { tag: 'localhost/app:v7', change: check("console.log('cache unreachable'); process.exit(1)") },
];

export const healthCases: SuiteCase<HealthCase>[] = [
  {
    name: 'unhealthy-image',
    title:
      'an image whose HEALTHCHECK fails gets no traffic: its deploy fails naming the check; the live release answers',
    timeout: 120_000,
    async run(s) {
      const live = (await s.history()).find((r) => r.status === 'live');
      const deploy = await s.cli('deploy', 'web', 'v7', '--watch', '--json');
      const said = deploy.stdout + deploy.stderr;
      expect(deploy.code, said).toBe(1);
      expect(said).toContain('HEALTHCHECK unhealthy');
      expect(said).toContain('cache unreachable');
      expect(await whoAnswers(s.ports.front)).toBe(live?.version);
      const v7 = (await s.history()).find((r) => r.version === 'v7');
      expect(v7?.status).not.toBe('live');
      // its container was stopped: nothing of v7 runs
      const rows = ofRevision(await containers(s.engine), v7?.revision ?? -1);
      expect(rows.filter((r) => r.state === 'running')).toEqual([]);
    },
  },
  {
    name: 'healthy-image',
    title: 'an image whose HEALTHCHECK passes goes live once the engine reports it healthy',
    timeout: 120_000,
    async run(s) {
      const deploy = await s.cli('deploy', 'web', 'v6', '--watch');
      expect(deploy.code, deploy.stdout + deploy.stderr).toBe(0);
      expect(await whoAnswers(s.ports.front)).toBe('v6');
      const v6 = (await s.history()).find((r) => r.version === 'v6');
      const [row] = ofRevision(await containers(s.engine), v6?.revision ?? -1);
      const [inspected] = JSON.parse(await s.engine.cli(['inspect', row?.id ?? ''])) as {
        State: { Health?: { Status: string } };
      }[];
      expect(inspected?.State.Health?.Status).toBe('healthy');
    },
  },
];
