/**
 * The per-second samples of many watches share one batched write: what each
 * watch recorded is in the store (SQLite and PostgreSQL) once its flush
 * resolves, and two watches reporting the same second of one release do not
 * lose the batch.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requirePart } from '../harness/free-port.js';
import { createSampleRecorder } from '../../src/app/monitor/samples.js';
import type { Store } from '../../src/core/ports/store.js';
import { createPostgresStore } from '../../src/store/postgres/index.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import { startPostgres, type PostgresHarness } from '../harness/postgres.js';

const ok = (value: number) => ({ status: 'ok' as const, value, samples: 1 });

async function recordFromManyWatches(store: Store): Promise<void> {
  const watches = Array.from({ length: 50 }, (_, i) => createSampleRecorder(store, `svc-${i}`, 'production'));
  watches.forEach((watch, i) => {
    watch.add(1, 'errorRate', ok(i / 100), 10_100);
    watch.add(1, 'errorRate', ok(i / 100 + 0.001), 10_900); // the second's last reading is kept
    watch.add(1, 'errorRate', ok(0.5), 11_000); // a new second: the first one is finished
  });
  await Promise.all(watches.map((watch) => watch.flush()));
  for (const i of [0, 17, 49]) {
    const rows = await store.readSamples({ service: `svc-${i}`, environment: 'production', from: 0, to: 20_000 });
    expect(rows.map((r) => [r.at, r.value])).toEqual([[10_000, i / 100 + 0.001]]);
  }
  // a second watch of svc-0 (analysis and live at once) reports the same second in the same batch
  const twin = [createSampleRecorder(store, 'svc-0', 'production'), createSampleRecorder(store, 'svc-0', 'production')];
  twin[0]?.add(1, 'errorRate', ok(0.2), 11_500);
  twin[1]?.add(1, 'errorRate', ok(0.3), 11_600);
  await Promise.all([twin[0]?.flush(true), twin[1]?.flush(true), watches[1]?.flush(true)]);
  const svc0 = await store.readSamples({ service: 'svc-0', environment: 'production', from: 11_000, to: 12_000 });
  expect(svc0.map((r) => r.value)).toEqual([0.3]);
  const svc1 = await store.readSamples({ service: 'svc-1', environment: 'production', from: 11_000, to: 12_000 });
  expect(svc1.map((r) => r.value)).toEqual([0.5]);
}

describe('batched sample writes', () => {
  let dir: string;
  let postgres: PostgresHarness | null = null;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rewind-samples-'));
    postgres = await startPostgres();
  }, 120_000);

  afterAll(async () => {
    await postgres?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('SQLite: every watch finds its finished seconds in the store after its flush', async () => {
    const store = createSqliteStore({ path: join(dir, 'state.db') });
    try {
      await recordFromManyWatches(store);
    } finally {
      await store.close();
    }
  });

  it('PostgreSQL: the same, and one release reported twice in a batch does not lose the batch', async (ctx) => {
    requirePart(ctx, postgres, 'PostgreSQL (initdb)');
    const store = createPostgresStore({ url: await postgres.createDatabase('samples_batch') });
    try {
      await recordFromManyWatches(store);
    } finally {
      await store.close();
    }
  });
});
