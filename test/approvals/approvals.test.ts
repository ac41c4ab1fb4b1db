/**
 * Approvals with deadlines through the controller's real HTTP API:
 * ask then approve, ask then reject, ask then timeout → onTimeout, and the
 * four-eyes rule of protected environments.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Controller } from '../../src/runtime/controller.js';
import type { RewindApi } from '../../src/app/index.js';
import { createHttpApi } from '../../src/cli/http-client.js';
import { createToken } from '../../src/app/access/tokens.js';
import type { MetricsServer } from '../monitor/harness.js';
import {
  actor,
  commandService,
  eventsOf,
  httpProvider,
  startMetricsServer,
  startTestController,
  tempDir,
  waitFor,
  writeConfig,
} from '../monitor/harness.js';

let metrics: MetricsServer;
let controller: Controller;
let temp: ReturnType<typeof tempDir>;
let alice: RewindApi;
let bob: RewindApi;

beforeAll(async () => {
  metrics = await startMetricsServer();
  temp = tempDir('approvals');
  const file = writeConfig(temp.dir, {
    environments: { production: {}, 'prod-eu': { protected: true } },
    services: {
      api: commandService(temp.dir, {
        triggers: [
          { name: 'slow', metric: 'latency', above: 100, severity: 'medium' },
          { name: 'slow-short', metric: 'latencyShort', above: 100, severity: 'low' },
        ],
      }),
    },
    providers: [httpProvider(metrics.url, ['latency', 'latencyShort'])],
    policy: {
      matrix: [
        {
          name: 'ask-long',
          match: { trigger: ['slow'] },
          action: 'ask',
          approvalTimeout: '60s',
          onTimeout: 'escalate',
        },
        {
          name: 'ask-short',
          match: { trigger: ['slow-short'] },
          action: 'ask',
          approvalTimeout: '1s',
          onTimeout: 'rollback',
        },
      ],
    },
  });
  controller = await startTestController(file);
  // identities come from tokens alone
  const tokenFor = async (name: string) =>
    (await createToken(controller.ctx, { name, role: 'approver', createdBy: 'test' })).token;
  alice = createHttpApi(controller.url, await tokenFor('alice'));
  bob = createHttpApi(controller.url, await tokenFor('bob'));
  expect(
    (
      await alice.deploy({
        service: 'api',
        version: 'v1',
        environment: 'production',
        watch: true,
        waitStable: true,
        actor: actor('alice'),
      })
    ).outcome,
  ).toBe('promoted');
});

afterAll(async () => {
  await controller?.close();
  await metrics?.close();
  temp?.remove();
});

async function deployAsking(
  version: string,
  metric: string,
  revision: number,
  outcome: 'waiting' | 'rolled-back' = 'waiting',
): Promise<string> {
  metrics.values.set(`${metric}/${revision}`, 500);
  const result = await controller.api.deploy({
    service: 'api',
    environment: 'production',
    version,
    watch: true,
    waitStable: true,
    actor: actor('ci'),
  });
  metrics.values.delete(`${metric}/${revision}`);
  expect(result.outcome).toBe(outcome);
  const decision = (await eventsOf(controller, 'decision.made', 'api')).find((e) => e.revision === revision);
  expect(decision?.data.action).toBe('ask');
  return String(decision?.data.approvalId);
}

describe('approvals', () => {
  it('ask then approve: the approver is recorded and the rollback runs', async () => {
    const id = await deployAsking('v2', 'latency', 2);
    const requested = (await eventsOf(controller, 'approval.requested', 'api')).find((e) => e.data.approvalId === id);
    expect(requested?.data).toMatchObject({ approvalId: id, onTimeout: 'escalate' });
    expect(Number(requested?.data.deadline)).toBeGreaterThan(Date.now() + 50_000);
    expect((await alice.status('api', 'production')).pendingApprovals.map((a) => a.id)).toContain(id);

    const result = await alice.approve({ id, actor: actor('alice'), reason: 'p95 is bad' });
    expect(result.approval).toMatchObject({ status: 'approved', decidedBy: 'alice', decisionReason: 'p95 is bad' });
    expect(result.approval.decidedAt).toBeGreaterThan(0);
    const rollback = await waitFor('the approved rollback', async () => {
      const r = await alice.rollback(result.rollback?.id as string);
      return r.status === 'succeeded' && r;
    });
    expect(rollback).toMatchObject({ kind: 'manual', requestedBy: 'alice', fromRevision: 2, toRevision: 1 });
    const approved = (await eventsOf(controller, 'approval.approved', 'api')).find((e) => e.data.approvalId === id);
    expect(approved?.data).toMatchObject({ approvalId: id, by: 'alice', reason: 'p95 is bad' });
    await expect(bob.approve({ id, actor: actor('bob') })).rejects.toMatchObject({
      code: 'APPROVAL_DECIDED',
      status: 409,
    });
  });

  it('ask then reject: a reason is required, the release is promoted', async () => {
    const id = await deployAsking('v3', 'latency', 3);
    await expect(bob.reject({ id, actor: actor('bob') })).rejects.toMatchObject({
      code: 'REASON_REQUIRED',
      status: 400,
    });
    const result = await bob.reject({ id, actor: actor('bob'), reason: 'known slow cache warm-up' });
    expect(result.approval).toMatchObject({
      status: 'rejected',
      decidedBy: 'bob',
      decisionReason: 'known slow cache warm-up',
    });
    expect((await bob.status('api', 'production')).live).toMatchObject({ revision: 3, status: 'live' });
    const rejected = (await eventsOf(controller, 'approval.rejected', 'api')).find((e) => e.data.approvalId === id);
    expect(rejected?.data).toMatchObject({ by: 'bob', reason: 'known slow cache warm-up' });
  });

  it('reject during the analysis keeps the release: the analysis goes on and promotes it at its end', async () => {
    metrics.values.set('latency/4', 500);
    const deploying = controller.api.deploy({
      service: 'api',
      environment: 'production',
      version: 'v4',
      watch: true,
      actor: actor('ci'),
    });
    const asked = await waitFor('the approval', async () =>
      (await eventsOf(controller, 'approval.requested', 'api')).find((e) => e.revision === 4),
    );
    await bob.reject({ id: String(asked.data.approvalId), actor: actor('bob'), reason: 'expected during warm-up' });
    const rejectedAt = Date.now();
    expect((await bob.status('api', 'production')).live).toMatchObject({ revision: 4, status: 'analyzing' });
    const result = await deploying;
    metrics.values.delete('latency/4');
    expect(result.outcome).toBe('promoted');
    const [traffic] = (await eventsOf(controller, 'deploy.traffic', 'api')).filter((e) => e.revision === 4);
    const [promoted] = (await eventsOf(controller, 'deploy.promoted', 'api')).filter((e) => e.revision === 4);
    // promoted when the 2 s analysis was over, not when the human answered
    expect(Number(promoted?.at) - Number(traffic?.at)).toBeGreaterThanOrEqual(1900);
    expect(Number(promoted?.at)).toBeGreaterThan(rejectedAt + 200);
  });

  it('ask then timeout: the controller enforces the deadline and carries out onTimeout (rollback)', async () => {
    // the deadline (1s) falls inside the analysis (2s): the deploy sees the rollback
    const id = await deployAsking('v5', 'latencyShort', 5, 'rolled-back');
    const timeout = await waitFor(
      'approval.timeout',
      async () => (await eventsOf(controller, 'approval.timeout', 'api')).find((e) => e.data.approvalId === id),
      10_000,
    );
    expect(timeout.data).toMatchObject({ approvalId: id, onTimeout: 'rollback' });
    const approval = (await alice.approvals({ service: 'api', status: ['timed-out'] })).find((a) => a.id === id);
    expect(approval?.decidedBy).toBe('rewind');
    const rollback = await waitFor('the timed-out rollback', async () => {
      const [latest] = await alice.rollbacks({ service: 'api', environment: 'production', limit: 1 });
      return latest?.fromRevision === 5 && latest.status === 'succeeded' && latest;
    });
    expect(rollback).toMatchObject({ kind: 'automatic', toRevision: 4 });
  });

  it('protected environment: a manual undo waits for a second person (four-eyes)', async () => {
    for (const version of ['v1', 'v2']) {
      expect(
        (
          await alice.deploy({
            service: 'api',
            environment: 'prod-eu',
            version,
            watch: true,
            waitStable: true,
            actor: actor('alice'),
          })
        ).outcome,
      ).toBe('promoted');
    }
    const asked = await alice.undo({
      service: 'api',
      environment: 'prod-eu',
      reason: 'customer reports',
      actor: actor('alice'),
    });
    expect(asked.rollback).toBeNull();
    expect(asked.approval).toMatchObject({ action: 'undo', requestedBy: 'alice', status: 'pending' });
    expect(await alice.rollbacks({ service: 'api', environment: 'prod-eu' })).toHaveLength(0);
    const id = asked.approval?.id as string;

    await expect(alice.approve({ id, actor: actor('alice') })).rejects.toMatchObject({
      code: 'FOUR_EYES',
      status: 403,
    });
    expect((await alice.approvals({ service: 'api', environment: 'prod-eu' })).map((a) => a.id)).toContain(id);

    const result = await bob.approve({ id, actor: actor('bob') });
    const rollback = await waitFor('the four-eyes rollback', async () => {
      const r = await bob.rollback(result.rollback?.id as string);
      return r.status === 'succeeded' && r;
    });
    expect(rollback).toMatchObject({ kind: 'manual', requestedBy: 'alice', fromRevision: 2, toRevision: 1 });
    expect(rollback.reason).toContain('approved by bob');
  });
});
