import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startControllerProcess, type ControllerProcess } from './controller-process.js';
import { alive, createHarness, demoService, eventually, getJson, release, type Harness } from './harness.js';

let harness: Harness;
let workDir: string;
let controller: ControllerProcess | undefined;
beforeEach(() => {
  harness = createHarness();
  workDir = mkdtempSync(path.join(os.tmpdir(), 'rewind-controller-'));
});
afterEach(async () => {
  controller?.kill();
  controller = undefined;
  await harness.cleanup();
  rmSync(workDir, { recursive: true, force: true });
});

describe('local driver: a SIGKILLed controller', () => {
  it('leaves its instances running and the next controller adopts them instead of leaking them', async () => {
    const service = demoService({ instances: 2 });
    controller = startControllerProcess(workDir, harness.stateDir, service, release(1));
    const { instances } = await controller.ready;
    const pids = instances.map((i) => i.pid);
    controller.kill();
    await eventually('the controller to die', () => (controller?.child.signalCode === 'SIGKILL' ? true : undefined));
    // Their own process groups: the SIGKILL did not reach them.
    expect(pids.every(alive)).toBe(true);

    const driver = harness.driver({ web: service });
    expect(await driver.start(release(1))).toContain('0 started, 2 adopted');
    await driver.awaitReady(release(1), 15_000);
    expect(driver.snapshot('web', 'test', 1)?.instances.map((i) => i.pid)).toEqual(pids);
    for (const instance of instances) expect((await getJson(instance.port)).body.pid).toBe(instance.pid);

    await driver.retire(release(1));
    expect(pids.some(alive)).toBe(false);
  });

  it('stops survivors that are no longer ready and starts fresh ones', async () => {
    // The first controller ran a release whose instances turn unhealthy soon after.
    const failing = demoService({ instances: 2, env: { FAULT: 'unhealthy', FAULT_AFTER_MS: '2000' } });
    controller = startControllerProcess(workDir, harness.stateDir, failing, release(2));
    const { instances } = await controller.ready;
    controller.kill();
    const old = instances.map((i) => i.pid);
    const readiness = (port: number) =>
      getJson(port, '/health/ready').then(
        (r) => r.status,
        () => 0,
      );
    await eventually('the fault on both survivors', async () => {
      const statuses = await Promise.all(instances.map((i) => readiness(i.port)));
      return statuses.every((status) => status === 503) ? true : undefined;
    });

    const driver = harness.driver({ web: demoService({ instances: 2 }) });
    const message = await driver.start(release(2));
    expect(message).toContain('2 started, 0 adopted, 2 unusable survivors stopped');
    expect(old.some(alive)).toBe(false);
    await driver.awaitReady(release(2), 15_000);
    const fresh = driver.snapshot('web', 'test', 2)?.instances.map((i) => i.pid) ?? [];
    expect(fresh.some((pid) => old.includes(pid as number))).toBe(false);
  });
});
