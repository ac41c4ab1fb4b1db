/**
 * The alert receivers through a real `rewind serve`: who may post, what a
 * malformed payload does (nothing), attribution windows, repeats acting once, a
 * resolved alert withdrawing the question it raised, and shadow mappings that are
 * recorded but never act (`rewind policy shadow` lists them).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiFetch } from '../helpers/api.js';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject } from '../helpers/cli.js';
import { platformDriver } from '../helpers/configs.js';

let project: Project;
let serve: Serve;
const tokens: Record<string, string> = {};
const state = () => ({ dir: project.dir, stateDir: join(project.dir, 'state') });
const cli = (...args: string[]) => runCli(args, { cwd: project.dir });
const as = (role: string, method: string, path: string, body?: unknown) =>
  fetch(`${serve.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${tokens[role]}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
const alert = (labels: Record<string, string>, extra: Record<string, unknown> = {}) => ({
  alerts: [{ status: 'firing', labels, startsAt: new Date().toISOString(), ...extra }],
});
type Receipt = { alerts: { results: { service: string; action: string; why: string }[] }[] };
const post = async (payload: unknown): Promise<Receipt> => {
  const answer = await as('receiver', 'POST', '/v1/alerts', payload);
  expect(answer.status).toBe(200);
  return (await answer.json()) as Receipt;
};
const rollbacks = async () =>
  (await (await apiFetch(`${serve.url}/v1/rollbacks`, {}, state())).json()) as { service: string }[];
/** what alerts leave behind: received alerts and the triggers they fired */
const alertEvents = async () =>
  ((await (await apiFetch(`${serve.url}/v1/events?limit=1000`, {}, state())).json()) as { type: string }[]).filter(
    (e) => e.type.startsWith('alert.') || e.type.startsWith('trigger.'),
  ).length;

beforeAll(async () => {
  project = tempProject('rewind-receivers-');
  const port = await freePort();
  project.write(
    'rewind.yaml',
    `version: 1
controller: { stateDir: state, listen: "127.0.0.1:${port}" }
environments: { production: {}, staging: { policy: { automatic: false } } }
services:
  web:
    environments: [production]
${platformDriver()}    analysis: { duration: 0s }
    postRollback: { watch: 0s }
    alerts:
      - { match: { alertname: WebErrors } }
      - { match: { alertname: WebLatency }, mode: shadow, trigger: latency-shadow }
      - { matchRe: { alertname: "Old.*" }, window: 2s }
  shop:
    environments: [production]
${platformDriver('shop.json')}    analysis: { duration: 0s }
    postRollback: { watch: 0s }
    alerts:
      - { match: { alertname: ShopCheckoutErrors, grafana_folder: Shop } }
  api:
    environments: [staging]
${platformDriver('api.json')}    analysis: { duration: 0s }
    postRollback: { watch: 0s }
    alerts:
      - { match: { alertname: ApiErrors } }
`,
  );
  serve = await startServe(project, port);
  for (const role of ['receiver', 'viewer']) {
    const created = await apiFetch(`${serve.url}/v1/tokens`, { method: 'POST', json: { name: role, role } }, state());
    tokens[role] = ((await created.json()) as { token: string }).token;
  }
  for (const [service, env] of [
    ['web', 'production'],
    ['shop', 'production'],
    ['api', 'staging'],
  ] as const) {
    expect((await cli('deploy', service, 'v1', '--env', env)).code).toBe(0);
    expect((await cli('deploy', service, 'v2', '--env', env)).code).toBe(0);
  }
}, 90_000);

afterAll(async () => {
  await serve?.kill('SIGTERM');
  project?.cleanup();
});

describe('alert receivers', () => {
  it('a receiver token may only post alerts; a viewer may not post; malformed payloads change nothing', async () => {
    expect((await as('receiver', 'POST', '/v1/deploy', { service: 'web', version: 'v3' })).status).toBe(403);
    expect((await as('receiver', 'POST', '/v1/undo', { service: 'web' })).status).toBe(403);
    expect((await as('receiver', 'GET', '/v1/rollbacks')).status).toBe(403);
    expect((await as('receiver', 'GET', '/v1/events')).status).toBe(403);
    expect((await as('viewer', 'POST', '/v1/alerts', alert({ alertname: 'WebErrors' }))).status).toBe(403);
    expect((await as('viewer', 'POST', '/v1/alerts/alertmanager', alert({ alertname: 'WebErrors' }))).status).toBe(403);
    const before = await alertEvents();
    for (const bad of [
      { alerts: 'nope' },
      { alerts: [{ status: 'firing' }] },
      { alerts: [{ status: 'burning', labels: { alertname: 'WebErrors' } }] },
      { alerts: [{ labels: { alertname: 'WebErrors' }, startsAt: 'yesterday' }] },
    ]) {
      const answer = await as('receiver', 'POST', '/v1/alerts', bad);
      expect(answer.status).toBe(400);
      expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('BAD_ALERT');
    }
    const wrongVersion = await as('receiver', 'POST', '/v1/alerts/alertmanager', { version: '3', alerts: [] });
    expect(wrongVersion.status).toBe(400);
    expect(await alertEvents()).toBe(before);
    expect(before).toBe(0);
    expect(await rollbacks()).toHaveLength(0);
  });

  it('records alerts nobody claims and alerts past their window, and acts on neither', async () => {
    await new Promise((r) => setTimeout(r, 2500));
    const late = await post(alert({ alertname: 'OldDiskWarning' }));
    expect(late.alerts[0]?.results[0]).toMatchObject({ service: 'web', action: 'recorded' });
    expect(late.alerts[0]?.results[0]?.why).toContain('past the 2.00s window');
    const unclaimed = await post(alert({ alertname: 'SomethingElse' }));
    expect(unclaimed.alerts[0]?.results).toEqual([]);
    const received = (await (await apiFetch(`${serve.url}/v1/events?limit=1000`, {}, state())).json()) as {
      type: string;
      message: string;
    }[];
    expect(received.filter((e) => e.type === 'alert.received').map((e) => e.message)).toEqual([
      expect.stringContaining('past the 2.00s window'),
      expect.stringContaining('no service claims it'),
    ]);
    expect(await rollbacks()).toHaveLength(0);
  });

  it('a shadow mapping is recorded and listed, never acted on', async () => {
    const shadow = await post(alert({ alertname: 'WebLatency' }, { fingerprint: 'latency-1' }));
    expect(shadow.alerts[0]?.results[0]).toMatchObject({ service: 'web', action: 'shadow' });
    expect(await rollbacks()).toHaveLength(0);
    const listed = JSON.parse((await cli('policy', 'shadow', '--json')).stdout) as {
      trigger: string;
      version: string;
      rollbackId: string | null;
    }[];
    expect(listed).toEqual([expect.objectContaining({ trigger: 'latency-shadow', version: 'v2', rollbackId: null })]);
  });

  it('repeated notifications of one alert roll back once', async () => {
    const payload = alert({ alertname: 'WebErrors', severity: 'critical' }, { fingerprint: 'web-errors-1' });
    const [first, second] = await Promise.all([post(payload), post(payload)]);
    const actions = [first, second].map((r) => r.alerts[0]?.results[0]?.action).sort();
    expect(actions).toEqual(['repeat', 'rolled-back']);
    // later repeats, once the release no longer serves, still name it a repeat
    expect((await post(payload)).alerts[0]?.results[0]?.action).toBe('repeat');
    expect((await rollbacks()).filter((r) => r.service === 'web')).toHaveLength(1);
    const status = JSON.parse((await cli('status', 'web', '--json')).stdout) as { live: { version: string } };
    expect(status.live.version).toBe('v1');
  });

  it('a resolved alert withdraws the approval it asked for', async () => {
    const firing = await post(alert({ alertname: 'ApiErrors' }, { fingerprint: 'api-errors-1' }));
    expect(firing.alerts[0]?.results[0]).toMatchObject({ service: 'api', action: 'asked' });
    const pending = (await (await apiFetch(`${serve.url}/v1/approvals?environment=staging`, {}, state())).json()) as {
      id: string;
    }[];
    expect(pending).toHaveLength(1);
    const resolved = await post({
      alerts: [
        {
          status: 'resolved',
          labels: { alertname: 'ApiErrors' },
          fingerprint: 'api-errors-1',
          endsAt: new Date().toISOString(),
        },
      ],
    });
    expect(resolved.alerts[0]?.results[0]).toMatchObject({ service: 'api', action: 'withdrawn' });
    const after = (await (
      await apiFetch(`${serve.url}/v1/approvals?environment=staging&status=rejected`, {}, state())
    ).json()) as { id: string; decidedBy: string; decisionReason: string }[];
    expect(after).toEqual([
      expect.objectContaining({
        id: pending[0]!.id,
        decidedBy: 'rewind',
        decisionReason: 'the alert ApiErrors resolved',
      }),
    ]);
    expect((await rollbacks()).filter((r) => r.service === 'api')).toHaveLength(0);
  });

  it('Grafana’s unified alerting webhook, as Grafana posts it, rolls the promoted release back once', async () => {
    const startsAt = new Date(Date.now() - 1000).toISOString().replace(/\.\d+Z$/, 'Z');
    const labels = { alertname: 'ShopCheckoutErrors', grafana_folder: 'Shop', service: 'shop', severity: 'critical' };
    // the body of Grafana's webhook contact point (unified alerting, payload version "1"), with its own fields
    const grafana = (status: 'firing' | 'resolved') => ({
      receiver: 'rewind',
      status,
      orgId: 1,
      alerts: [
        {
          status,
          labels,
          annotations: { summary: 'checkout answers 5xx', description: 'error ratio 0.31 above 0.05' },
          startsAt,
          endsAt: status === 'resolved' ? new Date().toISOString() : '0001-01-01T00:00:00Z',
          generatorURL: 'http://grafana.internal:3000/alerting/grafana/cdk1x7/view?orgId=1',
          fingerprint: 'a1f3c5d7e9b2c4d6',
          silenceURL: 'http://grafana.internal:3000/alerting/silence/new?alertmanager=grafana',
          dashboardURL: 'http://grafana.internal:3000/d/shop-overview?orgId=1',
          panelURL: 'http://grafana.internal:3000/d/shop-overview?orgId=1&viewPanel=4',
          values: { B: 0.31, C: 1 },
          valueString: "[ var='B' labels={service=shop} value=0.31 ], [ var='C' labels={service=shop} value=1 ]",
        },
      ],
      groupLabels: { alertname: 'ShopCheckoutErrors', grafana_folder: 'Shop' },
      commonLabels: labels,
      commonAnnotations: { summary: 'checkout answers 5xx' },
      externalURL: 'http://grafana.internal:3000/',
      version: '1',
      groupKey: '{}/{alertname="ShopCheckoutErrors"}:{alertname="ShopCheckoutErrors", grafana_folder="Shop"}',
      truncatedAlerts: 0,
      title: `[${status.toUpperCase()}:1] ShopCheckoutErrors Shop (shop critical)`,
      state: status === 'firing' ? 'alerting' : 'ok',
      message: '**Firing**\n\nValue: B=0.31, C=1\nLabels:\n - alertname = ShopCheckoutErrors\n',
    });
    const send = async (status: 'firing' | 'resolved') => {
      const answer = await as('receiver', 'POST', '/v1/alerts/grafana', grafana(status));
      expect(answer.status, await answer.clone().text()).toBe(200);
      return (await answer.json()) as Receipt;
    };
    const first = await send('firing');
    expect(first.alerts[0]?.results[0]).toMatchObject({ service: 'shop', action: 'rolled-back' });
    expect(first.alerts[0]?.results[0]?.why).toContain('shop v2 (r2)');
    // Grafana repeats a firing alert and sends the resolved one: no second rollback
    expect((await send('firing')).alerts[0]?.results[0]?.action).toBe('repeat');
    await send('resolved');
    const shop = (await rollbacks()).filter((r) => r.service === 'shop') as unknown as { id: string }[];
    expect(shop).toHaveLength(1);
    const status = JSON.parse((await cli('status', 'shop', '--json')).stdout) as { live: { version: string } };
    expect(status.live.version).toBe('v1');
    const received = (await (await apiFetch(`${serve.url}/v1/events?limit=1000`, {}, state())).json()) as {
      type: string;
      data: { source?: string; labels?: Record<string, string>; startsAt?: number };
    }[];
    const fromGrafana = received.filter((e) => e.type === 'alert.received' && e.data.source === 'grafana');
    expect(fromGrafana.length).toBeGreaterThanOrEqual(1);
    expect(fromGrafana[0]?.data.labels).toEqual(labels);
    expect(fromGrafana[0]?.data.startsAt).toBe(Date.parse(startsAt));
    const report = await cli('report', shop[0]!.id);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toContain('ShopCheckoutErrors');
    expect(report.stdout).toContain('grafana');
  });
});
