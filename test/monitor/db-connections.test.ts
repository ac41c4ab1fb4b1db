/**
 * `dbConnectionsPercent` against a real PostgreSQL: client
 * connections / max_connections of the service's configured database; a
 * release that exhausts the pool is rolled back.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Controller } from '../../src/runtime/controller.js';
import type { TestPostgres } from './postgres.js';
import { startPostgres } from './postgres.js';
import { actor, commandService, eventsOf, startTestController, tempDir, writeConfig } from './harness.js';

let postgres: TestPostgres | null = null;
let controller: Controller;
let temp: ReturnType<typeof tempDir>;
const clients: pg.Client[] = [];

beforeAll(async () => {
  postgres = await startPostgres({ maxConnections: 20 });
  if (!postgres) return;
  temp = tempDir('dbconn');
  const file = writeConfig(temp.dir, {
    environments: { production: {} },
    databases: { main: { engine: 'postgres', url: postgres.url } },
    services: {
      api: commandService(temp.dir, {
        database: 'main',
        triggers: [{ name: 'pool-exhausted', metric: 'dbConnectionsPercent', above: 50, severity: 'high' }],
      }),
    },
  });
  controller = await startTestController(file);
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  await controller?.close();
  await postgres?.stop();
  temp?.remove();
});

describe('dbConnectionsPercent', () => {
  it('is low for a quiet database and rolls back a release that holds most connections', async (test) => {
    if (!postgres) return test.skip();
    expect(
      (
        await controller.api.deploy({
          service: 'api',
          version: 'v1',
          watch: true,
          waitStable: true,
          actor: actor('ci'),
        })
      ).outcome,
    ).toBe('promoted');
    const quiet = await controller.ctx.store.readSamples({
      service: 'api',
      environment: 'production',
      revision: 1,
      from: 0,
      to: Date.now() + 1,
    });
    expect(quiet.length).toBeGreaterThan(0);
    expect(Math.max(...quiet.map((s) => s.value))).toBeLessThan(25);

    // the "bad release" leaks connections: 12 of 20
    for (let i = 0; i < 12; i++) {
      const client = new pg.Client({ connectionString: postgres.url });
      await client.connect();
      clients.push(client);
    }
    // retiring the bad release closes its connections; the restored one is then watched with threshold 25
    const off = controller.ctx.onEvent((event) => {
      if (event.type === 'rollback.initiated') for (const client of clients.splice(0)) void client.end();
    });
    const result = await controller.api.deploy({
      service: 'api',
      version: 'v2',
      watch: true,
      waitStable: true,
      actor: actor('ci'),
    });
    off();
    expect(result.outcome).toBe('rolled-back');
    const fired = (await eventsOf(controller, 'trigger.fired', 'api')).find((e) => e.revision === 2);
    expect(fired?.data).toMatchObject({ metric: 'dbConnectionsPercent', op: '>', threshold: 50 });
    expect(Number(fired?.data.value)).toBeGreaterThanOrEqual(60);
  });
});
