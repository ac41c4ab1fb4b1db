/**
 * Rollbacks that stick and freezes that never block a rollback, through a real
 * `rewind serve` and the built CLI: a rolled-back version is quarantined for
 * `rewind gate`, `GET /v1/gate` and `rewind deploy` until lifted; a freeze in
 * another time zone refuses deploys, never an undo; breaking the glass needs an
 * approver and is audited and notified; an incident freeze lasts as long as the
 * rollback runs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiFetch } from '../helpers/api.js';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject, waitFor } from '../helpers/cli.js';
import { platformDriver } from '../helpers/configs.js';
import { startReceiver, type Receiver } from '../harness/receiver.js';
import { launchChromium, personBrowser, signIn } from '../dashboard/browser.js';

/** A wall-clock time in `timeZone`, written without an offset ("2026-12-07T18:30"). */
function localIso(at: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(new Date(at));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}`;
}

let project: Project;
let serve: Serve;
let receiver: Receiver;
const state = () => ({ dir: project.dir, stateDir: join(project.dir, 'state') });
const cli = (...args: string[]) => runCli(args, { cwd: project.dir });
const token = async (name: string, role: string): Promise<string> => {
  const answer = await apiFetch(`${serve.url}/v1/tokens`, { method: 'POST', json: { name, role } }, state());
  expect(answer.status).toBe(201);
  return ((await answer.json()) as { token: string }).token;
};
const gateOverHttp = (bearer: string, query: string) =>
  fetch(`${serve.url}/v1/gate?${query}`, { headers: { authorization: `Bearer ${bearer}` } });

beforeAll(async () => {
  receiver = await startReceiver();
  project = tempProject('rewind-gate-');
  const port = await freePort();
  // Tokyo is 9 hours ahead of UTC all year: a window read in the wrong zone misses "now"
  const now = Date.now();
  project.write(
    'rewind.yaml',
    `version: 1
controller: { stateDir: state, listen: "127.0.0.1:${port}" }
environments: { production: {}, staging: {} }
policy: { freezeOnIncident: true }
freezes:
  - name: year-end
    environments: [staging]
    timezone: Asia/Tokyo
    from: "${localIso(now - 3_600_000, 'Asia/Tokyo')}"
    to: "${localIso(now + 3_600_000, 'Asia/Tokyo')}"
    reason: year-end close
notifications:
  channels: [{ name: audit-hook, type: webhook, url: "${receiver.url}/hook" }]
  routes: [{ events: ["freeze.*"], channels: [audit-hook] }]
services:
  web:
${platformDriver()}    postRollback: { watch: 6s }
`,
  );
  serve = await startServe(project, port);
}, 60_000);

afterAll(async () => {
  await serve?.kill('SIGTERM');
  await receiver?.close();
  project?.cleanup();
});

describe('quarantine and the gate', () => {
  it('keeps a rolled-back version out of every deploy path until it is lifted', async () => {
    expect((await cli('deploy', 'web', 'v1')).code).toBe(0);
    expect((await cli('deploy', 'web', 'v2')).code).toBe(0);
    const undo = await cli('undo', 'web', '--yes', '--wait-stable', '--reason', 'v2 broke checkout', '--json');
    expect(undo.code).toBe(0);
    const rollbackId = (JSON.parse(undo.stdout) as { rollback: { id: string } }).rollback.id;

    const gated = await cli('gate', 'web', 'v2');
    expect(gated.code).toBe(5);
    expect(gated.stderr).toContain(rollbackId);
    expect(gated.stderr).toContain('quarantine lift web v2');
    expect((await cli('gate', 'web', 'v1')).code).toBe(0);
    expect((await cli('gate', 'web', 'never-deployed')).code).toBe(0);

    const viewer = await token('ci-viewer', 'viewer');
    const refused = await gateOverHttp(viewer, 'service=web&version=v2');
    expect(refused.status).toBe(423);
    const body = (await refused.json()) as { allowed: boolean; reason: string };
    expect(body.allowed).toBe(false);
    expect(body.reason).toContain(rollbackId);
    expect((await gateOverHttp(viewer, 'service=web&version=v1')).status).toBe(200);

    const listed = JSON.parse((await cli('quarantine', 'list', '--json')).stdout) as { version: string }[];
    expect(listed.map((e) => e.version)).toEqual(['v2']);

    const again = await cli('deploy', 'web', 'v2');
    expect(again.code).toBe(5);
    expect(again.stderr).toContain('quarantined');
    const history = JSON.parse((await cli('history', 'web', '--json')).stdout) as { revision: number }[];
    expect(history).toHaveLength(2);

    // a viewer may ask, not lift
    const byViewer = await fetch(`${serve.url}/v1/quarantine/lift`, {
      method: 'POST',
      headers: { authorization: `Bearer ${viewer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ service: 'web', version: 'v2', reason: 'nope' }),
    });
    expect(byViewer.status).toBe(403);
    const lifted = await cli('quarantine', 'lift', 'web', 'v2', '--reason', 'fixed in the payment client');
    expect(lifted.code).toBe(0);
    expect((await cli('gate', 'web', 'v2')).code).toBe(0);
    expect((await gateOverHttp(viewer, 'service=web&version=v2')).status).toBe(200);
    const audit = await apiFetch(`${serve.url}/v1/events?service=web`, {}, state());
    const events = (await audit.json()) as { type: string; data: { reason?: string } }[];
    expect(events.find((e) => e.type === 'quarantine.lifted')?.data.reason).toBe('fixed in the payment client');
    // after the lift the version deploys without --force
    expect((await cli('deploy', 'web', 'v2')).code).toBe(0);
  }, 180_000);
});

describe('freezes', () => {
  it('a configured freeze in another time zone refuses deploys and names itself', async () => {
    const refused = await cli('deploy', 'web', 'v1', '--env', 'staging');
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain('"year-end"');
    expect(refused.stderr).toContain('year-end close');
    expect((await cli('gate', 'web', 'v1', '--env', 'staging')).code).toBe(5);
    expect((await cli('gate', 'web', 'v1', '--env', 'production')).code).toBe(0);
  });

  it('an ad-hoc freeze refuses deploys, never an undo; breaking the glass needs an approver', async () => {
    expect((await cli('freeze', 'start', '--env', 'production', '--reason', 'black friday')).code).toBe(0);
    const refused = await cli('deploy', 'web', 'v3');
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain('black friday');

    // the rollback runs through the freeze
    const undo = await cli('undo', 'web', '--yes', '--wait-stable', '--json');
    expect(undo.code).toBe(0);
    const status = JSON.parse((await cli('status', 'web', '--json')).stdout) as { live: { version: string } };
    expect(status.live.version).toBe('v1');
    // v2 was rolled back a second time: quarantined again
    expect((await cli('gate', 'web', 'v2')).code).toBe(5);

    const operator = await token('deployer', 'operator');
    const approver = await token('release-manager', 'approver');
    const glass = (bearer: string) =>
      fetch(`${serve.url}/v1/deploy`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
        body: JSON.stringify({ service: 'web', version: 'v3', breakGlass: { reason: 'security fix CVE-1' } }),
      });
    const byOperator = await glass(operator);
    expect(byOperator.status).toBe(403);
    const history = JSON.parse((await cli('history', 'web', '--json')).stdout) as { version: string }[];
    expect(history.some((r) => r.version === 'v3')).toBe(false);

    const byApprover = await glass(approver);
    expect(byApprover.status).toBe(200);
    const deployed = JSON.parse((await cli('status', 'web', '--json')).stdout) as { live: { version: string } };
    expect(deployed.live.version).toBe('v3');
    const notified = await waitFor('the break-glass notification', async () =>
      receiver.requests.find((r) => r.body.includes('security fix CVE-1')),
    );
    expect(notified.body).toContain('release-manager');
    const events = (await (await apiFetch(`${serve.url}/v1/events?service=web`, {}, state())).json()) as {
      type: string;
      actor: string;
    }[];
    expect(events.find((e) => e.type === 'freeze.broken')?.actor).toBe('release-manager');

    expect((await cli('freeze', 'end', '--env', 'production')).code).toBe(0);
    expect((await cli('gate', 'web', 'v4')).code).toBe(0);
  });

  it('an incident freeze holds while a rollback runs and ends when it succeeds', async () => {
    const started = await apiFetch(
      `${serve.url}/v1/undo`,
      { method: 'POST', json: { service: 'web', reason: 'v3 slow' } },
      state(),
    );
    expect(started.status).toBe(202);
    const during = await cli('gate', 'web', 'v4');
    expect(during.code).toBe(5);
    expect(during.stderr).toContain('"incident"');
    await waitFor(
      'the rollback to succeed',
      async () => {
        const list = (await (await apiFetch(`${serve.url}/v1/rollbacks?limit=1`, {}, state())).json()) as {
          status: string;
        }[];
        return list[0]?.status === 'succeeded';
      },
      60_000,
    );
    expect((await cli('gate', 'web', 'v4')).code).toBe(0);
  });

  it('stats count the deploys and rollbacks made above', async () => {
    const result = await cli('stats', '--json', '--env', 'production');
    expect(result.code).toBe(0);
    const { services } = JSON.parse(result.stdout) as {
      services: {
        deployments: number;
        failedChanges: number;
        changeFailureRate: number;
        timeToRestore: { medianMs: number | null; count: number };
      }[];
    };
    // production: v1, v2, v2 again, v3 deployed; v2 (twice) and v3 rolled back
    expect(services[0]).toMatchObject({ deployments: 4, failedChanges: 3, changeFailureRate: 0.75 });
    expect(services[0]?.timeToRestore.count).toBe(3);
    expect(services[0]?.timeToRestore.medianMs).toBeGreaterThan(0);
  });

  it('the dashboard charts each delivery figure as the API reports it', async (ctx) => {
    const chromium = await launchChromium();
    if (!chromium) return ctx.skip();
    try {
      const admin = readFileSync(join(project.dir, 'state', 'admin.token'), 'utf8').trim();
      const person = await personBrowser(chromium.browser, serve.url);
      await signIn(person.page, serve.url, admin, '#/delivery');
      await person.page.goto(`${serve.url}/#/delivery`);
      const chart = person.page.locator('figure[data-figure="changeFailureRate"]');
      await chart.waitFor();
      const drawn = await chart.evaluate(
        (el) => (el as HTMLElement & { plot: { data: (number | null)[][] } }).plot.data,
      );
      const api = (await (await apiFetch(`${serve.url}/v1/stats/series?bucket=7d&buckets=12`, {}, state())).json()) as {
        points: { to: number; services: { service: string; environment: string; changeFailureRate: number }[] }[];
      };
      expect(drawn[0]).toEqual(api.points.map((p) => p.to / 1000));
      const production = api.points.map(
        (p) => p.services.find((s) => s.environment === 'production')?.changeFailureRate ?? null,
      );
      // one line per service/environment with releases: web/production (web/staging never deployed)
      expect(drawn.slice(1)).toEqual([production]);
      expect(production.at(-1)).toBe(0.75);
      expect(person.consoleErrors).toEqual([]);
    } finally {
      await chromium.close();
    }
  });
});
