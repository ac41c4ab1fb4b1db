import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RollbackDetail } from '../../src/core/model.js';
import { apiFetch } from '../helpers/api.js';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject } from '../helpers/cli.js';
import { platformDriver } from '../helpers/configs.js';

// `rewind undo` during an incident: the prompt comes back once the previous release
// serves all traffic, saying the rollback goes on (its post-rollback watch) and how
// to follow it; --wait-stable follows it to its end, as before.
let project: Project;
let serve: Serve;
const cli = (...args: string[]) => runCli(args, { cwd: project.dir });
const rollback = async (id: string) =>
  (await (await apiFetch(`${serve.url}/v1/rollbacks/${id}`, {}, project)).json()) as RollbackDetail;
/** The weight each revision of a service gets on the example platform, as its state file holds it. */
const weights = (service: string): Record<string, number> => {
  const state = JSON.parse(readFileSync(join(project.dir, 'platform.json'), 'utf8')) as {
    releases: Record<string, Record<string, { weight: number; running: boolean }>>;
  };
  return Object.fromEntries(
    Object.entries(state.releases[`${service}/production`] ?? {})
      .filter(([, r]) => r.running)
      .map(([revision, r]) => [revision, r.weight]),
  );
};
const summary = (detail: RollbackDetail) => detail.steps.map((s) => `${s.name}:${s.status}`);

beforeAll(async () => {
  project = tempProject('rewind-undo-answers-');
  const port = await freePort();
  const service = (watch: string) => `${platformDriver()}    analysis: { duration: 0s }
    postRollback: { watch: ${watch} }
`;
  project.write(
    'rewind.yaml',
    `version: 1
controller: { stateDir: state, listen: "127.0.0.1:${port}" }
environments: { production: {} }
services:
  api:
${service('10m')}  worker:
${service('10m')}  quick:
${service('1s')}groups: { back: [worker] }
`,
  );
  serve = await startServe(project, port);
  for (const name of ['api', 'worker', 'quick'])
    for (const version of ['v1', 'v2']) {
      const deployed = await cli('deploy', name, version);
      expect(deployed.code, deployed.stderr).toBe(0);
    }
}, 90_000);

afterAll(async () => {
  await serve?.kill('SIGKILL');
  project?.cleanup();
});

describe('rewind undo answers once traffic is restored', () => {
  it('returns 0 with the previous release serving everything while the 10-minute watch goes on', async () => {
    const undo = await cli('undo', 'api', '--yes');
    expect(undo.code, undo.stderr).toBe(0);
    // all of it on v1; v2 may still be draining (the retire step goes on after the answer)
    expect(weights('api')).toMatchObject({ '1': 100 });
    expect(weights('api')['2'] ?? 0).toBe(0);
    const id = /rollback (\S+): traffic restored — api serves v1 \(r1\)/.exec(undo.stderr)?.[1] ?? '';
    expect(id, undo.stderr).not.toBe('');
    expect(undo.stderr).toMatch(
      /the rollback goes on in the controller: (drain and stop api v2 \(revision 2\), )?watch api v1 \(revision 1\) closely for 600s\n/,
    );
    expect(undo.stderr).toContain(
      `follow it with rewind rollback show ${id} (or rewind status api --watch); --wait-stable waits for its end`,
    );
    const detail = await rollback(id);
    expect(detail.status).toBe('running');
    expect(summary(detail)).toContain('shift-traffic:done');
    expect(summary(detail)).not.toContain('watch:done');
  }, 60_000);

  it('--json answers with the rollback as it stands: traffic moved, the watch still running', async () => {
    const undo = await cli('undo', '--group', 'back', '--yes', '--json');
    expect(undo.code, undo.stderr).toBe(0);
    expect(undo.stdout, undo.stderr).toMatch(/^\{/);
    const { rollback: answered } = JSON.parse(undo.stdout) as { rollback: RollbackDetail };
    expect(answered.status).toBe('running');
    expect(answered.steps.find((s) => s.name === 'shift-traffic')?.status).toBe('done');
    expect(weights('worker')).toMatchObject({ '1': 100 });
    expect(weights('worker')['2'] ?? 0).toBe(0);
    expect((await rollback(answered.id)).steps.find((s) => s.name === 'watch')?.status).not.toBe('done');
  }, 60_000);

  it('--wait-stable follows the rollback to the end of its watch; with --no-wait it is a usage error', async () => {
    const both = await cli('undo', 'quick', '--yes', '--wait-stable', '--no-wait');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--wait-stable follows the rollback to its end and --no-wait returns at once');
    const undo = await cli('undo', 'quick', '--yes', '--wait-stable');
    expect(undo.code, undo.stderr).toBe(0);
    const id = /rollback (\S+): succeeded/.exec(undo.stderr)?.[1] ?? '';
    expect(id, undo.stderr).not.toBe('');
    expect(summary(await rollback(id))).toEqual([
      'await-healthy:done',
      'shift-traffic:done',
      'retire:done',
      'watch:done',
    ]);
    expect(weights('quick')).toEqual({ '1': 100 });
  }, 60_000);
});
