import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProbeSignalSource } from '../../src/monitor/probes/index.js';
import { alive, createHarness, demoService, eventually, getJson, release, type Harness } from './harness.js';

let harness: Harness;
beforeEach(() => {
  harness = createHarness();
});
afterEach(async () => {
  await harness.cleanup();
});

describe('local driver: process supervision', () => {
  it('starts two instances on distinct ports, writes logs, registers the pool and retires cleanly', async () => {
    const driver = harness.driver({ web: demoService({ instances: 2 }) });
    const r1 = release(1);
    const message = await driver.start(r1);
    expect(message).toContain('2 started');
    await driver.awaitReady(r1, 15_000);

    const instances = driver.snapshot('web', 'test', 1)?.instances ?? [];
    expect(instances).toHaveLength(2);
    const ports = instances.map((i) => i.port);
    expect(new Set(ports).size).toBe(2);
    for (const instance of instances) {
      const answer = await getJson(instance.port);
      expect(answer).toMatchObject({ status: 200, body: { release: 'v1', pid: instance.pid } });
    }
    // Idempotent: a second start changes nothing.
    expect(await driver.start(r1)).toContain('already running');
    expect(driver.snapshot('web', 'test', 1)?.instances.map((i) => i.pid)).toEqual(instances.map((i) => i.pid));

    for (const index of [0, 1]) {
      const log = path.join(harness.stateDir, 'logs', `web-test-r1-${index}.log`);
      expect(readFileSync(log, 'utf8')).toContain('release v1 pid');
    }
    expect(existsSync(path.join(harness.stateDir, 'run', 'web-test-r1.json'))).toBe(true);

    await driver.shiftTraffic('web', 'test', { 1: 100 }, [r1]);
    expect(harness.switch.pools.get(1)).toEqual(ports.map((port) => ({ host: '127.0.0.1', port })));
    const state = await driver.describe('web', 'test');
    expect(state.releases).toEqual([
      { revision: 1, version: 'v1', weight: 100, ready: 2, desired: 2, healthy: true, readyCheck: '/health/ready' },
    ]);

    await driver.retire(r1);
    for (const instance of instances) expect(alive(instance.pid as number)).toBe(false);
    expect(harness.switch.pools.has(1)).toBe(false);
    expect(harness.switch.weights()[1]).toBeUndefined();
    expect(existsSync(path.join(harness.stateDir, 'run', 'web-test-r1.json'))).toBe(false);
    expect((await driver.describe('web', 'test')).releases).toEqual([]);
    expect(await driver.retire(r1)).toContain('retired');
  });

  it('restarts a crashing instance with growing backoff and counts restarts', async () => {
    const driver = harness.driver({ web: demoService({ env: { FAULT: 'crash', FAULT_AFTER_MS: '300' } }) });
    const signals = createProbeSignalSource({ lookup: driver.snapshot });
    const r1 = release(1);
    await driver.start(r1);
    const query = {
      service: 'web',
      environment: 'test',
      revision: 1,
      version: 'v1',
      metric: 'restarts',
      at: Date.now(),
      windowMs: 60_000,
    };
    await eventually('three restarts', async () => {
      const reading = await signals.read(query);
      return reading.status === 'ok' && reading.value >= 3 ? reading : undefined;
    });
    const log = readFileSync(path.join(harness.stateDir, 'logs', 'web-test-r1-0.log'), 'utf8');
    const delays = [...log.matchAll(/restart \d+ in (\d+)ms/g)].map((m) => Number(m[1]));
    expect(delays.slice(0, 3)).toEqual([100, 200, 400]);
    expect(log).toContain('injected fault: crash');
  });

  it('SIGKILLs a process group that ignores SIGTERM after stopTimeout', async () => {
    const driver = harness.driver({
      web: demoService({ stopTimeoutMs: 1000, env: { IGNORE_SIGTERM: '1', SPAWN_CHILD: '1' } }),
    });
    const r1 = release(1);
    await driver.start(r1);
    await driver.awaitReady(r1, 15_000);
    const port = driver.snapshot('web', 'test', 1)?.instances[0]?.port as number;
    const { body } = await getJson(port);
    const pids = [body.pid as number, body.childPid as number];
    expect(pids.every((pid) => typeof pid === 'number' && alive(pid))).toBe(true);

    const started = Date.now();
    const message = await driver.retire(r1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(message).toContain('SIGKILL');
    for (const pid of pids) expect(alive(pid)).toBe(false);
    expect(readFileSync(path.join(harness.stateDir, 'logs', 'web-test-r1-0.log'), 'utf8')).toContain(
      'SIGTERM received and ignored',
    );
  });

  it('starts the backoff over after an instance stayed up for resetAfterMs', async () => {
    const driver = harness.driver(
      { web: demoService({ env: { FAULT: 'crash', FAULT_AFTER_MS: '400' } }) },
      { backoff: { initialMs: 100, maxMs: 2000, resetAfterMs: 300 } },
    );
    await driver.start(release(1));
    await eventually('two restarts', () =>
      (driver.snapshot('web', 'test', 1)?.restarts ?? 0) >= 2 ? true : undefined,
    );
    const log = readFileSync(path.join(harness.stateDir, 'logs', 'web-test-r1-0.log'), 'utf8');
    expect([...log.matchAll(/restart \d+ in (\d+)ms/g)].map((m) => Number(m[1])).slice(0, 2)).toEqual([100, 100]);
  });

  it('validates weights and refuses traffic to a release that is not running', async () => {
    const driver = harness.driver({ web: demoService() });
    await driver.start(release(1));
    await expect(driver.shiftTraffic('web', 'test', { 1: 60 }, [])).rejects.toMatchObject({ code: 'LOCAL_WEIGHTS' });
    await expect(driver.shiftTraffic('web', 'test', { 1: 50, 2: 50 }, [])).rejects.toMatchObject({
      code: 'LOCAL_NOT_RUNNING',
    });
    expect(harness.switch.weights()).toEqual({});
    await driver.shiftTraffic('web', 'test', { 1: 100, 2: 0 }, []);
    expect(harness.switch.weights()).toEqual({ 1: 100, 2: 0 });
  });

  it('fills {version} {service} {env} {revision} in command and env', async () => {
    const driver = harness.driver({
      web: demoService({
        command: [process.execPath, 'server.js', '--release', '{service}-{env}-r{revision}-{version}'],
        env: { FAULT: '{unknown}' },
      }),
    });
    await driver.start(release(4, 'v9'));
    // `{unknown}` is left alone, so the app refuses it: proof the env reached the process.
    await eventually('the refusal in the log', () => {
      const log = readFileSync(path.join(harness.stateDir, 'logs', 'web-test-r4-0.log'), 'utf8');
      return log.includes('unknown fault "{unknown}"') ? true : undefined;
    });
    const ok = harness.driver(
      {
        web: demoService({
          command: [process.execPath, 'server.js', '--release', '{service}-{env}-r{revision}-{version}'],
        }),
      },
      {},
    );
    await ok.start(release(5, 'v9'));
    await ok.awaitReady(release(5, 'v9'), 15_000);
    const port = ok.snapshot('web', 'test', 5)?.instances[0]?.port as number;
    expect((await getJson(port)).body.release).toBe('web-test-r5-v9');
  });

  it('fails start clearly when the command cannot run, leaving nothing behind', async () => {
    const driver = harness.driver({ web: demoService({ command: ['/nonexistent/rewind-binary'], instances: 2 }) });
    await expect(driver.start(release(1))).rejects.toMatchObject({ code: 'LOCAL_SPAWN' });
    expect((await driver.describe('web', 'test')).releases).toEqual([]);
    await expect(driver.start(release(1, 'v1', 'nope'))).rejects.toMatchObject({ code: 'LOCAL_SERVICE' });
  });
});
