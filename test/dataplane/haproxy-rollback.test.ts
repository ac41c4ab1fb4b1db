/**
 * The haproxy router under the whole product: deploy through the controller,
 * an error-rate fault caught by a sequential trigger from HAProxy's request log,
 * and an automatic rollback that leaves v1 answering through HAProxy.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { findHaproxy, requireHaproxy } from '../../src/proxy/haproxy/index.js';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject, waitFor } from '../helpers/cli.js';
import { missingPart } from '../harness/free-port.js';
import { localProject, setFault, whoAnswers } from '../local-app/harness.js';

const available = findHaproxy() !== undefined || missingPart('Debian haproxy (/usr/sbin/haproxy)') !== 'skip';

let project: Project;
let serve: Serve | null = null;
afterEach(async () => {
  await serve?.kill('SIGTERM');
  serve = null;
  project?.cleanup();
});

const WATCHED = `    analysis: { duration: 6s }
    postRollback: { watch: 1s }
    triggers:
      - { metric: errorRate, above: 0.1, evidence: sequential, falseAlarm: 0.001, severity: high }
`;

describe('haproxy router through the controller', () => {
  it('names the Debian package when the binary is missing', () => {
    expect(() => requireHaproxy('/nonexistent/haproxy')).toThrow(/Debian package "haproxy"/);
  });

  it.runIf(available)(
    'rolls back an error-rate fault caught from the request log',
    async () => {
      project = tempProject('rewind-haproxy-');
      const ports = { controller: await freePort(), front: await freePort() };
      localProject(project, ports, '');
      writeFileSync(
        project.config,
        readFileSync(project.config, 'utf8')
          .replace('    analysis: { duration: 0s }\n', WATCHED)
          .replace('      stopTimeout: 2s\n', '      stopTimeout: 2s\n      router: haproxy\n'),
      );
      serve = await startServe(project, ports.controller);
      const cli = (...args: string[]) => runCli(args, { cwd: project.dir });
      expect((await cli('deploy', 'web', 'v1', '--watch')).code).toBe(0);
      expect(await whoAnswers(ports.front)).toBe('v1');

      setFault(project, 'v2', 'error-rate');
      let loading = true;
      const answers: string[] = [];
      const loop = async () => {
        while (loading) answers.push(await whoAnswers(ports.front));
      };
      const load = Promise.all([loop(), loop(), loop()]);
      const watched = await cli('deploy', 'web', 'v2', '--watch', '--json');
      loading = false;
      await load;
      expect(watched.code, `${watched.stdout}${watched.stderr}`).toBe(3);
      const result = JSON.parse(watched.stdout) as { rollbackId: string };
      expect(answers).toContain('status 500');
      await waitFor('the automatic rollback to finish', async () => {
        const detail = JSON.parse((await cli('rollback', 'show', result.rollbackId, '--json')).stdout);
        return detail.status === 'succeeded' ? detail : null;
      });
      expect(await whoAnswers(ports.front)).toBe('v1');
      const report = JSON.parse((await cli('report', result.rollbackId, '--format', 'json')).stdout) as {
        evidence: { metric: string; sequential?: { samples: number; confidence: number } }[];
      };
      const sequential = report.evidence.find((e) => e.metric === 'errorRate')?.sequential;
      expect(sequential?.confidence).toBeGreaterThanOrEqual(0.999);
      expect(sequential?.samples).toBeGreaterThan(0);
    },
    90_000,
  );
});
