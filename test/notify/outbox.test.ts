import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RewindEvent } from '../../src/core/model.js';
import type { Store } from '../../src/core/ports/store.js';
import {
  createOutboxDispatcher,
  type OutboxDispatcher,
  type OutboxDispatcherOptions,
} from '../../src/notify/outbox-dispatcher.js';
import { createPagerDutyNotifier } from '../../src/notify/pagerduty.js';
import { createSlackNotifier } from '../../src/notify/slack.js';
import { createWebhookNotifier } from '../../src/notify/webhook.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import { startReceiver, type Receiver } from '../harness/receiver.js';
import { initiatedData } from './fixtures.js';

let dir = '';
const cleanups: (() => Promise<void>)[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rewind-outbox-'));
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await rm(dir, { recursive: true, force: true });
});

function openStore(): Store {
  const store = createSqliteStore({ path: join(dir, 'state.db') });
  cleanups.push(() => store.close());
  return store;
}

async function receiver(): Promise<Receiver> {
  const started = await startReceiver();
  cleanups.push(() => started.close());
  return started;
}

function dispatcher(options: OutboxDispatcherOptions): OutboxDispatcher {
  const created = createOutboxDispatcher({
    pollMs: 100,
    stopGraceMs: 500,
    backoff: { baseMs: 200, maxMs: 800, jitter: 0 },
    maxAttempts: 50,
    ...options,
  });
  cleanups.push(() => created.stop());
  return created;
}

/** Appends `count` rollback events the way the rest of Rewind does, and hands them over. */
async function emit(
  store: Store,
  outbox: OutboxDispatcher | null,
  count: number,
  rollbackId = 'rb_outbox1',
): Promise<RewindEvent[]> {
  const events: RewindEvent[] = [];
  for (let i = 0; i < count; i++) {
    const event = await store.appendEvent(
      {
        type: i === 0 ? 'rollback.initiated' : 'rollback.step-finished',
        service: 'api',
        environment: 'production',
        rollbackId,
        message: `event ${i}`,
        data: i === 0 ? initiatedData : { index: i - 1, name: 'start', status: 'done', durationMs: 10 * i },
      },
      Date.now(),
    );
    events.push(event);
    await outbox?.onEvent(event);
  }
  return events;
}

const allToHook = [{ events: ['rollback.*'], channels: ['hook'] }];
const deliveries = (target: Receiver): string[] =>
  target.accepted().map((request) => String(request.headers['x-rewind-delivery']));

describe('outbox dispatcher', () => {
  it('a receiver down for 3 s then back gets every message exactly once, in order', async () => {
    const store = openStore();
    const hook = await receiver();
    const outbox = dispatcher({
      store,
      routes: allToHook,
      notifiers: [createWebhookNotifier({ name: 'hook', url: `${hook.url}/in`, timeoutMs: 2000 })],
    });
    outbox.start();
    await hook.downFor(3000);
    const downSince = Date.now();
    const events = await emit(store, outbox, 5);

    await hook.waitForAccepted(5, 20_000);
    expect(hook.accepted()[0]!.at - downSince).toBeGreaterThanOrEqual(2900);
    await new Promise((resolve) => setTimeout(resolve, 1000)); // room for any duplicate to show up
    expect(deliveries(hook)).toEqual(events.map((event) => String(event.id)));
    expect(await outbox.backlog()).toBe(0);
    // the completed message carries the versions of its rollback's initiated event
    expect((hook.accepted()[0]!.json as { title: string }).title).toBe(
      'Rolling back api in production: v1.4.0 → v1.3.2',
    );
  });

  it('a hung channel delays only itself, and onEvent returns at once', async () => {
    const store = openStore();
    const healthy = await receiver();
    const hung = await receiver();
    hung.hang(true);
    const outbox = dispatcher({
      store,
      routes: [{ events: ['rollback.*'], channels: ['hung', 'ok'] }],
      notifiers: [
        createSlackNotifier({ name: 'hung', webhookUrl: `${hung.url}/services/T/B/hungsecret`, timeoutMs: 5000 }),
        createSlackNotifier({ name: 'ok', webhookUrl: `${healthy.url}/services/T/B/oksecret` }),
      ],
    });
    outbox.start();
    const started = Date.now();
    await emit(store, outbox, 5);
    // only outbox rows were written: emitting did not wait for the hung channel's 5 s timeout
    expect(Date.now() - started).toBeLessThan(4500);

    await healthy.waitForAccepted(5, 4500);
    expect(Date.now() - started).toBeLessThan(4500); // before the hung channel's 5 s timeout
    expect(hung.requests).toHaveLength(1); // the head row is stuck; the rest wait behind it
    await waitUntil(async () => (await outbox.backlog()) === 5, 2000);
  });

  it('a refusing channel goes dead after maxAttempts (or at once on 4xx) while a healthy one delivers', async () => {
    const store = openStore();
    const healthy = await receiver();
    const failing = await receiver();
    failing.failWith(503);
    const refusing = await receiver();
    refusing.failWith(400);
    const outbox = dispatcher({
      store,
      maxAttempts: 3,
      backoff: { baseMs: 100, maxMs: 200, jitter: 0 },
      routes: [{ events: ['rollback.initiated'], channels: ['ok', 'failing', 'pd'] }],
      notifiers: [
        createWebhookNotifier({ name: 'ok', url: healthy.url }),
        createWebhookNotifier({ name: 'failing', url: failing.url }),
        createPagerDutyNotifier({ name: 'pd', routingKey: 'KEY-1234567', url: refusing.url }),
      ],
    });
    outbox.start();
    await emit(store, outbox, 1);
    await healthy.waitForAccepted(1, 5000);
    await waitUntil(async () => (await outbox.backlog()) === 0, 10_000);
    expect(failing.requests).toHaveLength(3);
    expect(refusing.requests).toHaveLength(1);
  });

  it('keeps per-channel order through failures: PagerDuty sees the trigger before the resolve', async () => {
    const store = openStore();
    const pd = await startReceiver(() => ({ status: 202, body: { status: 'success' } }));
    cleanups.push(() => pd.close());
    pd.failWith(503);
    const outbox = dispatcher({
      store,
      routes: [{ events: ['rollback.*'], channels: ['pd'] }],
      notifiers: [createPagerDutyNotifier({ name: 'pd', routingKey: 'KEY-1234567', url: `${pd.url}/v2/enqueue` })],
    });
    outbox.start();
    const [initiated] = await emit(store, outbox, 1, 'rb_order');
    await waitUntil(async () => pd.requests.length >= 1, 5000); // the trigger failed once
    await outbox.onEvent(
      await store.appendEvent(
        { type: 'rollback.step-started', rollbackId: 'rb_order', data: { index: 0, name: 'start', title: 't' } },
        Date.now(),
      ),
    );
    await outbox.onEvent(
      await store.appendEvent(
        {
          type: 'rollback.completed',
          rollbackId: 'rb_order',
          service: 'api',
          environment: 'production',
          data: { durationMs: 900 },
        },
        Date.now(),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    pd.failWith(null);
    await pd.waitForAccepted(2, 10_000);
    await waitUntil(async () => (await outbox.backlog()) === 0, 5000);
    const sent = pd.accepted().map((request) => request.json as { event_action: string; dedup_key: string });
    expect(sent.map((body) => [body.event_action, body.dedup_key])).toEqual([
      ['trigger', 'rb_order'],
      ['resolve', 'rb_order'],
    ]);
    const refused = pd.requests.filter((request) => request.status === 503);
    expect(refused.length).toBeGreaterThanOrEqual(2);
    // while the channel failed only its head row probed it; the resolve waited behind
    expect(refused.map((request) => (request.json as { event_action: string }).event_action)).toEqual(
      refused.map(() => 'trigger'),
    );
    expect(initiated?.rollbackId).toBe('rb_order');
  });

  it('onEvent never throws: a broken store is logged and the caller goes on', async () => {
    const store = openStore();
    const logged: string[] = [];
    const outbox = dispatcher({
      store,
      routes: allToHook,
      notifiers: [createWebhookNotifier({ name: 'hook', url: 'http://127.0.0.1:9/' })],
      log: (entry) => logged.push(entry.message),
    });
    const [event] = await emit(store, null, 1);
    await store.close();
    await expect(outbox.onEvent(event!)).resolves.toBe(0);
    expect(logged.join('\n')).toMatch(/could not queue notifications for event \d+/);
  });

  it('rows survive a restart and are not sent twice; enqueue is deduplicated per (event, channel)', async () => {
    const hook = await receiver();
    const notifiers = [createWebhookNotifier({ name: 'hook', url: hook.url })];
    const first = openStore();
    const before = dispatcher({ store: first, routes: allToHook, notifiers });
    const events = await emit(first, before, 3); // never started: rows only
    expect(await before.onEvent(events[0]!)).toBe(0);
    await before.stop();
    await before.stop(); // callable twice
    await first.close();

    const second = openStore();
    expect(await second.outboxBacklog()).toBe(3);
    const after = dispatcher({ store: second, routes: allToHook, notifiers });
    after.start();
    await hook.waitForAccepted(3, 10_000);
    await after.stop();

    const third = dispatcher({ store: second, routes: allToHook, notifiers });
    third.start();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await third.stop();
    expect(deliveries(hook)).toEqual(events.map((event) => String(event.id)));
  });
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs}ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
