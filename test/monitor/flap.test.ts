/**
 * Flap control under a flapping signal (issue 4 §3): cooldownPeriod and
 * maximumRetries come from the store's history of automatic rollbacks; the
 * runbook table (DEFAULT_MATRIX) decides.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Controller } from '../../src/app/controller.js';
import type { MetricsServer } from './harness.js';
import {
  actor,
  commandService,
  eventsOf,
  httpProvider,
  startMetricsServer,
  startTestController,
  tempDir,
  writeConfig,
} from './harness.js';

let metrics: MetricsServer;
let controller: Controller;
let temp: ReturnType<typeof tempDir>;
let flapper: NodeJS.Timeout;
const flappy = new Set<number>();
const COOLDOWN_MS = 6000;

beforeAll(async () => {
  metrics = await startMetricsServer();
  temp = tempDir('flap');
  const file = writeConfig(temp.dir, {
    environments: { production: {} },
    services: {
      api: commandService(temp.dir, {
        triggers: [{ name: 'errors', metric: 'errorRate', above: 0.1, severity: 'high' }],
      }),
    },
    providers: [httpProvider(metrics.url, ['errorRate'])],
    policy: { cooldownPeriod: '6s', maximumRetries: 2 },
  });
  controller = await startTestController(file);
  expect(
    (await controller.api.deploy({ service: 'api', version: 'v1', watch: true, actor: actor('ci') })).outcome,
  ).toBe('promoted');
  // bad releases flap between 40 % errors and none every 300 ms
  let bad = true;
  flapper = setInterval(() => {
    bad = !bad;
    for (const revision of flappy) metrics.values.set(`errorRate/${revision}`, bad ? 0.4 : 0);
  }, 300);
});

afterAll(async () => {
  clearInterval(flapper);
  await controller?.close();
  await metrics?.close();
  temp?.remove();
});

async function deployBad(revision: number) {
  flappy.add(revision);
  metrics.values.set(`errorRate/${revision}`, 0.4);
  const result = await controller.api.deploy({
    service: 'api',
    version: `v${revision}`,
    watch: true,
    actor: actor('ci'),
  });
  const decision = (await eventsOf(controller, 'decision.made', 'api')).find((e) => e.revision === revision);
  return { result, decision: decision?.data ?? {} };
}

const automatic = async () =>
  (await controller.api.rollbacks({ service: 'api' })).filter((r) => r.kind === 'automatic');

describe('flap control', () => {
  it('rolls back, escalates within the cooldown, rolls back after it, escalates past maximumRetries', async () => {
    const first = await deployBad(2);
    expect(first.result.outcome).toBe('rolled-back');
    expect(first.decision).toMatchObject({ action: 'rollback', rule: 'error-rate', adjustedBy: null });

    const second = await deployBad(3);
    expect(second.result.outcome).toBe('waiting');
    expect(second.decision).toMatchObject({ action: 'escalate', adjustedBy: 'cooldown' });
    expect(await automatic()).toHaveLength(1);
    expect(
      (await controller.api.undo({ service: 'api', toRevision: 1, wait: true, actor: actor('oncall') })).rollback
        ?.status,
    ).toBe('succeeded');

    const [last] = await automatic();
    await new Promise((r) => setTimeout(r, Math.max(0, (last?.createdAt ?? 0) + COOLDOWN_MS + 200 - Date.now())));
    const third = await deployBad(4);
    expect(third.result.outcome).toBe('rolled-back');
    expect(third.decision).toMatchObject({ action: 'rollback', adjustedBy: null });

    const [latest] = await automatic();
    await new Promise((r) => setTimeout(r, Math.max(0, (latest?.createdAt ?? 0) + COOLDOWN_MS + 200 - Date.now())));
    const fourth = await deployBad(5);
    expect(fourth.result.outcome).toBe('waiting');
    expect(fourth.decision).toMatchObject({ action: 'escalate', adjustedBy: 'retries' });
    expect(String(fourth.decision.reason)).toContain('maximum 2');
    expect(await automatic()).toHaveLength(2);
  });
});
