import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alive, createHarness, demoService, getJson, release, type Harness } from './harness.js';

let harness: Harness;
beforeEach(() => {
  harness = createHarness();
});
afterEach(async () => {
  await harness.cleanup();
});

// A controller that dies (SIGKILL) leaves its instances running in their own
// process groups; `close()` without `stopAll()` leaves the same state behind.
describe('local driver: a restarted controller adopts survivors', () => {
  it('adopts live, ready instances instead of starting new ones', async () => {
    const services = { web: demoService({ instances: 2 }) };
    const first = harness.driver(services);
    await first.start(release(1));
    await first.awaitReady(release(1), 15_000);
    const before = first.snapshot('web', 'test', 1)?.instances.map((i) => ({ pid: i.pid, port: i.port }));
    await first.close();

    const second = harness.driver(services);
    expect(await second.start(release(1))).toContain('0 started, 2 adopted');
    await second.awaitReady(release(1), 15_000);
    const after = second.snapshot('web', 'test', 1)?.instances.map((i) => ({ pid: i.pid, port: i.port }));
    expect(after).toEqual(before);
    for (const instance of after ?? []) expect((await getJson(instance.port)).body.pid).toBe(instance.pid);

    // The new controller owns them now: retiring stops the adopted processes.
    await second.retire(release(1));
    for (const instance of after ?? []) expect(alive(instance.pid as number)).toBe(false);
  });

  it('replaces a dead survivor and finds survivors on describe', async () => {
    const services = { web: demoService({ instances: 2 }) };
    const first = harness.driver(services);
    await first.start(release(3));
    await first.awaitReady(release(3), 15_000);
    const [dead, kept] = first.snapshot('web', 'test', 3)?.instances ?? [];
    await first.close();
    process.kill(-(dead?.pid as number), 'SIGKILL');

    const second = harness.driver(services);
    // describe() alone recovers what the run files list (the executor looks before it acts).
    const state = await second.describe('web', 'test');
    expect(state.releases.map((r) => r.revision)).toEqual([3]);
    await second.awaitReady(release(3), 15_000);
    const pids = second.snapshot('web', 'test', 3)?.instances.map((i) => i.pid);
    expect(pids).toContain(kept?.pid);
    expect(pids).not.toContain(dead?.pid);
    expect(await second.start(release(3))).toContain('already running');
  });
});
