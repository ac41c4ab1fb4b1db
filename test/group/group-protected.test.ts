import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Approval, RollbackDetail } from '../../src/core/model.js';
import { apiFetch } from '../helpers/api.js';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject, waitFor } from '../helpers/cli.js';

// Two services in a protected environment on the command driver; each traffic
// shift writes the weight it set to a file.
const service = (name: string) => `  ${name}:
    driver:
      type: command
      start: ["true"]
      shiftTraffic: ["sh", "-c", "echo {weight} > weight.{service}.r{revision}"]
      retire: ["true"]
    analysis: { duration: 0s }
    postRollback: { watch: 0s }
`;

let project: Project | null = null;
let serve: Serve | null = null;
afterEach(async () => {
  await serve?.kill('SIGKILL');
  project?.cleanup();
});

describe('undo --all in a protected environment', () => {
  it('asks one approval for the whole plan; the requester cannot give it; another approver can, and every service rolls back', async () => {
    const p = (project = tempProject('rewind-group-protected-'));
    p.write(
      'rewind.yaml',
      `version: 1\nenvironments:\n  production: { protected: true }\nservices:\n${service('api')}${service('worker')}`,
    );
    serve = await startServe(p, await freePort());
    const url = serve.url;
    const call = async (path: string, json?: unknown, token?: string) => {
      const headers = token ? { authorization: `Bearer ${token}` } : undefined;
      const answer = await apiFetch(
        `${url}${path}`,
        { ...(json === undefined ? {} : { method: 'POST', json }), ...(headers ? { headers } : {}) },
        p,
      );
      return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
    };
    for (const version of ['v1', 'v2'])
      for (const name of ['api', 'worker'])
        expect((await call('/v1/deploy', { service: name, version })).status).toBeLessThan(300);

    const asked = await runCli(['undo', '--all', '--yes', '--reason', 'bad batch', '--controller', url], {
      cwd: p.dir,
    });
    expect(asked.code, asked.stderr).toBe(4);
    expect(asked.stderr).toMatch(/approval \S+ waits for another approver/);
    const approvals = (await call('/v1/approvals?status=pending')).body as unknown as Approval[];
    expect(approvals).toHaveLength(1);
    const [approval] = approvals as [Approval];
    expect(approval).toMatchObject({
      service: '@all',
      environment: 'production',
      action: 'undo',
      requestedBy: 'local-admin',
    });
    expect(approval.reason).toContain('api v2 → v1');
    expect(approval.reason).toContain('worker v2 → v1');
    expect((await call('/v1/rollbacks')).body).toEqual([]);

    const self = await call(`/v1/approvals/${approval.id}/approve`, {});
    expect(self.status).toBe(403);
    expect(JSON.stringify(self.body)).toContain('FOUR_EYES');

    const bob = await call('/v1/tokens', { name: 'bob', role: 'approver' });
    const approved = await call(`/v1/approvals/${approval.id}/approve`, { wait: true }, String(bob.body.token));
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    const id = (approved.body.rollback as RollbackDetail).id;
    const done = await waitFor('the rollback to end', async () => {
      const detail = (await call(`/v1/rollbacks/${id}`)).body as unknown as RollbackDetail;
      return detail.status !== 'running' && detail.status !== 'planned' && detail;
    });
    expect(done).toMatchObject({ status: 'succeeded', service: '@all', requestedBy: 'local-admin' });
    for (const name of ['api', 'worker'])
      expect(readFileSync(join(p.dir, `weight.${name}.r1`), 'utf8').trim(), name).toBe('100');
  }, 90_000);
});
