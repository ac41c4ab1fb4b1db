import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFileState } from '../../src/notify/notifier-state.js';
import { createPagerDutyNotifier } from '../../src/notify/pagerduty.js';
import { createStatusPageNotifier } from '../../src/notify/statuspage.js';
import { startReceiver, type Receiver } from '../harness/receiver.js';
import { initiatedData, makeEvent, makeMessage } from './fixtures.js';

let receiver: Receiver | null = null;
let dir: string | null = null;
afterEach(async () => {
  await receiver?.close();
  receiver = null;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = null;
});

type PdBody = {
  routing_key: string;
  event_action: string;
  dedup_key: string;
  payload?: { severity: string; summary: string; source: string };
};

describe('pagerduty notifier', () => {
  it('triggers on initiated and resolves on completed with the same dedup_key; other events are not sent', async () => {
    receiver = await startReceiver(() => ({ status: 202, body: { status: 'success', message: 'Event processed' } }));
    const pd = createPagerDutyNotifier({
      name: 'oncall',
      routingKey: 'R0UTINGKEY0123456789',
      url: `${receiver.url}/v2/enqueue`,
    });
    const rollbackId = 'rb_pd1';
    await pd.send(makeMessage(makeEvent('rollback.initiated', initiatedData, { rollbackId })));
    await pd.send(
      makeMessage(
        makeEvent('rollback.step-started', { index: 0, name: 'start', title: 'start v1.3.2' }, { rollbackId }),
      ),
    );
    await pd.send(
      makeMessage(
        makeEvent('deploy.started', { version: 'v1.4.0', revision: 7, strategy: 'canary' }, { rollbackId: null }),
      ),
    );
    await pd.send(
      makeMessage(makeEvent('rollback.completed', { durationMs: 41_000, failedRequests: 12 }, { rollbackId })),
    );

    const bodies = receiver.accepted().map((request) => request.json as PdBody);
    expect(receiver.requests.every((request) => request.path === '/v2/enqueue')).toBe(true);
    expect(bodies.map((body) => body.event_action)).toEqual(['trigger', 'resolve']);
    expect(bodies.map((body) => body.dedup_key)).toEqual([rollbackId, rollbackId]);
    expect(bodies[0]?.routing_key).toBe('R0UTINGKEY0123456789');
    expect(bodies[0]?.payload).toMatchObject({ severity: 'error', source: 'rewind/api/production' });
    expect(bodies[0]?.payload?.summary).toContain('Rolling back api');
    expect(bodies[1]).toEqual({ routing_key: 'R0UTINGKEY0123456789', event_action: 'resolve', dedup_key: rollbackId });
  });

  it('an escalation stays triggered, as critical', async () => {
    receiver = await startReceiver(() => ({ status: 202, body: { status: 'success' } }));
    const pd = createPagerDutyNotifier({ name: 'oncall', routingKey: 'R0UTINGKEY0123456789', url: receiver.url });
    await pd.send(makeMessage(makeEvent('rollback.initiated', initiatedData, { rollbackId: 'rb_pd2' })));
    await pd.send(
      makeMessage(makeEvent('rollback.escalated', { reason: 'step shift-traffic failed' }, { rollbackId: 'rb_pd2' })),
    );
    const bodies = receiver.accepted().map((request) => request.json as PdBody);
    expect(bodies.map((body) => [body.event_action, body.dedup_key, body.payload?.severity])).toEqual([
      ['trigger', 'rb_pd2', 'error'],
      ['trigger', 'rb_pd2', 'critical'],
    ]);
  });

  it('a rejected key is a permanent error that does not contain the key', async () => {
    receiver = await startReceiver(() => ({
      status: 400,
      body: { status: 'invalid event', errors: ['routing_key R0UTINGKEY0123456789 is invalid'] },
    }));
    const pd = createPagerDutyNotifier({ name: 'oncall', routingKey: 'R0UTINGKEY0123456789', url: receiver.url });
    const error = (await pd
      .send(makeMessage(makeEvent('rollback.failed', { error: 'x' })))
      .catch((caught: unknown) => caught)) as Error & { retryable: boolean };
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('HTTP 400');
    expect(error.message).not.toContain('R0UTINGKEY0123456789');
  });
});

/** A tiny status page API: POST /incidents creates, PATCH /incidents/:id updates. */
function statusPageApi() {
  const incidents = new Map<string, { status: string; messages: string[]; name: string; componentStatus: string }>();
  let next = 1;
  const handler = (request: { method: string; path: string; json: unknown; headers: Record<string, unknown> }) => {
    if (request.headers.authorization !== 'Bearer sp-token-123')
      return { status: 401, body: { error: 'bad token sp-token-123' } };
    const body = request.json as { name: string; status: string; message: string; componentStatus: string };
    if (request.method === 'POST' && request.path === '/api/v1/incidents') {
      const id = `inc-${next++}`;
      incidents.set(id, {
        status: body.status,
        messages: [body.message],
        name: body.name,
        componentStatus: body.componentStatus,
      });
      return { status: 201, body: { id } };
    }
    const match = /^\/api\/v1\/incidents\/([^/]+)$/.exec(request.path);
    const incident = match ? incidents.get(decodeURIComponent(match[1] ?? '')) : undefined;
    if (request.method === 'PATCH' && incident) {
      incident.status = body.status;
      incident.componentStatus = body.componentStatus;
      incident.messages.push(body.message);
      return { status: 200, body: { ok: true } };
    }
    return { status: 404, body: { error: 'no such incident' } };
  };
  return { incidents, handler };
}

describe('status page notifier', () => {
  it('creates an incident on initiated and resolves it on completed, with customer-facing text', async () => {
    const api = statusPageApi();
    receiver = await startReceiver(api.handler);
    const page = createStatusPageNotifier({
      name: 'status',
      baseUrl: `${receiver.url}/api/v1/`,
      token: 'sp-token-123',
      componentId: 'cmp-api',
    });
    await page.send(makeMessage(makeEvent('rollback.initiated', initiatedData, { rollbackId: 'rb_sp1' })));
    await page.send(
      makeMessage(
        makeEvent(
          'rollback.step-finished',
          { index: 0, name: 'start', status: 'done', durationMs: 900 },
          { rollbackId: 'rb_sp1' },
        ),
      ),
    );
    await page.send(makeMessage(makeEvent('rollback.completed', { durationMs: 30_000 }, { rollbackId: 'rb_sp1' })));

    expect(receiver.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      'POST /api/v1/incidents',
      'PATCH /api/v1/incidents/inc-1',
    ]);
    expect(receiver.requests[0]?.headers['idempotency-key']).toBe('rewind-rb_sp1');
    expect(receiver.requests[0]?.json).toMatchObject({
      status: 'investigating',
      externalId: 'rb_sp1',
      componentId: 'cmp-api',
      componentStatus: 'degraded_performance',
    });
    const incident = api.incidents.get('inc-1');
    expect(incident?.name).toBe('Degraded service: api');
    expect(incident?.status).toBe('resolved');
    expect(incident?.componentStatus).toBe('operational');
    expect(incident?.messages[1]).toContain('has been resolved');
    // customer text carries no internal detail such as versions or the reason
    expect(incident?.messages.join(' ')).not.toContain('v1.4.0');
  });

  it('remembers the incident id across a restart: a retried initiated and the completion reuse it', async () => {
    dir = await mkdtemp(join(tmpdir(), 'rewind-statuspage-'));
    const api = statusPageApi();
    receiver = await startReceiver(api.handler);
    const options = { name: 'status', baseUrl: `${receiver.url}/api/v1`, token: 'sp-token-123' };
    const initiated = makeEvent('rollback.initiated', initiatedData, { rollbackId: 'rb_sp2' });
    await createStatusPageNotifier({ ...options, state: createFileState(join(dir, 'notify-state.json')) }).send(
      makeMessage(initiated),
    );

    // a new process: fresh notifier, same state file
    const restarted = createStatusPageNotifier({ ...options, state: createFileState(join(dir, 'notify-state.json')) });
    await restarted.send(makeMessage(initiated));
    await restarted.send(
      makeMessage(makeEvent('rollback.escalated', { reason: 'watch failed' }, { rollbackId: 'rb_sp2' })),
    );
    await restarted.send(makeMessage(makeEvent('rollback.completed', { durationMs: 1000 }, { rollbackId: 'rb_sp2' })));

    expect(api.incidents.size).toBe(1);
    expect(receiver.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      'POST /api/v1/incidents',
      'PATCH /api/v1/incidents/inc-1',
      'PATCH /api/v1/incidents/inc-1',
    ]);
    expect(api.incidents.get('inc-1')?.status).toBe('resolved');
  });

  it('a bad token fails without the token in the error', async () => {
    const api = statusPageApi();
    receiver = await startReceiver(api.handler);
    const page = createStatusPageNotifier({
      name: 'status',
      baseUrl: `${receiver.url}/api/v1`,
      token: 'wrong-token-999',
    });
    const error = (await page
      .send(makeMessage(makeEvent('rollback.initiated', initiatedData)))
      .catch((caught: unknown) => caught)) as Error;
    expect(error.message).toContain('HTTP 401');
    expect(error.message).not.toContain('wrong-token-999');
  });
});
