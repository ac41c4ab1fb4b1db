/// <reference lib="dom" />
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requirePart } from '../harness/free-port.js';
import { apiFetch } from '../helpers/api.js';
import type { Project, Serve } from '../helpers/cli.js';
import { waitFor } from '../helpers/cli.js';
import type { Receiver } from '../harness/receiver.js';
import { setFault, whoAnswers } from '../local-app/harness.js';
import type { TestBrowser, Watched } from './browser.js';
import { DESKTOP, PHONE, launchChromium, markNoReload, personBrowser, signIn } from './browser.js';
import type { ChartComparison } from './chart-points.js';
import { compareChart } from './chart-points.js';
import type { Ports } from './project.js';
import { stateOf } from './project.js';
import type { Scene } from './scene.js';
import { startScene } from './scene.js';

/**
 * For each step longer than `overMs` between seconds the API has samples of, whether
 * the chart drew a hole in it: an x between the two where every release's y is null.
 */
function holesDrawn(compared: ChartComparison, overMs: number): boolean[] {
  const { sampledAt, xs, releaseColumns } = compared;
  return sampledAt
    .slice(1)
    .map((at, i) => [sampledAt[i]!, at] as const)
    .filter(([a, b]) => b - a > overMs)
    .map(([a, b]) =>
      xs.some((x, i) => x * 1000 > a && x * 1000 < b && releaseColumns.every((c) => c.column[i] === null)),
    );
}

const DOCS = resolve(import.meta.dirname, '../../docs');
let chromium: TestBrowser | null;
let scene: Scene;
let project: Project;
let serve: Serve;
let ports: Ports;
let webhook: Receiver;
const people: Watched[] = [];
const cli = (...args: string[]) => scene.cli(...args);
const shot = (page: Page, name: string) => page.screenshot({ path: `${DOCS}/${name}.png`, fullPage: false });

async function person(name: string, viewport = DESKTOP): Promise<Watched> {
  const watched = await personBrowser(chromium!.browser, serve.url, viewport);
  people.push(watched);
  await signIn(watched.page, serve.url, scene.tokens[name]!);
  return watched;
}

beforeAll(async () => {
  chromium = await launchChromium();
  if (!chromium) return;
  mkdirSync(DOCS, { recursive: true });
  scene = await startScene();
  ({ project, serve, ports, webhook } = scene);
}, 150_000);

afterAll(async () => {
  await chromium?.close();
  await scene?.close();
});

describe('the dashboard in Chromium', () => {
  it('a viewer sees the live version and no Roll back button; the API refuses the viewer too', async (ctx) => {
    requirePart(ctx, chromium, 'Chromium (/usr/bin/chromium)');
    const vera = await person('vera');
    const cell = vera.page.locator('[data-service="web"][data-environment="staging"]');
    await expect.poll(() => cell.locator('.live-version').textContent()).toContain('v2 · r3');
    await shot(vera.page, 'dashboard-overview');
    await vera.page.getByRole('link', { name: 'web' }).click();
    await vera.page.getByRole('heading', { name: 'Revisions' }).waitFor();
    await expect.poll(() => vera.page.locator('table.releases tbody tr').count()).toBe(3);
    expect(await vera.page.getByRole('button', { name: /Roll back/ }).count()).toBe(0);
    // flags per release: the kill switch set on r3 shows on its row only
    const row = (rev: string) => vera.page.locator('table.releases tbody tr', { hasText: rev });
    await expect.poll(() => row('r3').locator('.flags').textContent()).toContain('FEATURE_NEW_CHECKOUT=false');
    expect(await row('r1').locator('.flags').count()).toBe(0);
    // the session is refused by the API as well, even with its CSRF token
    const cookie = (await vera.context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const session = (await (await apiFetch(`${serve.url}/v1/session`, { headers: { cookie } })).json()) as {
      session: { csrf: string; role: string };
    };
    expect(session.session.role).toBe('viewer');
    const refused = await apiFetch(`${serve.url}/v1/undo`, {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': session.session.csrf, origin: serve.url },
      json: { service: 'web', environment: 'staging', reason: 'try' },
    });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
  });

  it('an operator rolls back from the service page with a reason; the steps complete live; v1 answers again', async (ctx) => {
    requirePart(ctx, chromium, 'Chromium (/usr/bin/chromium)');
    const oscar = await person('oscar');
    const { page } = oscar;
    await page.goto(`${serve.url}/#/service/web/staging`);
    const r1 = page.getByRole('button', { name: 'Roll back to r1' });
    await r1.waitFor();
    // r2, the drill's copy, was itself rolled back: no button, and the row says why
    const r2 = page.locator('table.releases tbody tr', { hasText: 'r2' });
    expect(await r2.getByRole('button', { name: /Roll back/ }).count()).toBe(0);
    expect(await r2.locator('.not-target').getAttribute('title')).toBe('revision 2 was itself rolled back');
    await expect.poll(() => whoAnswers(ports.web)).toBe('v2');
    await r1.click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Roll back' }).click();
    // the reason is required: nothing happens without one
    await expect.poll(() => dialog.getByRole('alert').textContent()).toContain('Say why');
    await dialog.getByLabel('Reason (required)').fill('checkout broken since v2');
    await shot(page, 'dashboard-rollback-dialog');
    const unchanged = await markNoReload(page);
    await dialog.getByRole('button', { name: 'Roll back' }).click();
    await page.getByRole('heading', { name: 'Steps' }).waitFor();
    // watch what the step list shows while the plan runs, without reloading
    const seen = new Set<string>();
    await waitFor(
      'every step done on the rollback page',
      async () => {
        const states = await page.locator('.step-list .step').evaluateAll((els) => els.map((e) => e.dataset.status));
        for (const s of states) seen.add(String(s));
        return states.length > 0 && states.every((s) => s === 'done');
      },
      60_000,
      50,
    );
    expect(new URL(page.url()).hash).toMatch(/^#\/rollback\//);
    expect(await unchanged()).toBe(true);
    expect([...seen].some((s) => s === 'running' || s === 'pending')).toBe(true);
    const titles = await page.locator('.step-list .step .title').allTextContents();
    expect(titles.join(' | ')).toMatch(/shift all traffic to web v1/);
    expect(await whoAnswers(ports.web)).toBe('v1');
    const id = new URL(page.url()).hash.split('/')[2]!;
    const rollback = (await (await apiFetch(`${serve.url}/v1/rollbacks/${id}`, {}, stateOf(project))).json()) as {
      status: string;
      requestedBy: string;
      reason: string;
      steps: unknown[];
    };
    expect(rollback).toMatchObject({ status: 'succeeded', requestedBy: 'oscar', reason: 'checkout broken since v2' });
    expect(await page.locator('.step-list .step').count()).toBe(rollback.steps.length);
    await page.getByRole('heading', { name: 'Recovery times' }).waitFor();
    // what the page lists as sent is what the webhook receiver really got about this rollback
    const delivered = () =>
      webhook.accepted().filter((r) => (r.json as { rollbackId?: string } | undefined)?.rollbackId === id).length;
    await waitFor(
      'the notifications to show as sent',
      async () => {
        const sent = await page.locator('table.notifications .badge-sent').count();
        return sent > 0 && sent === delivered();
      },
      30_000,
      250,
    );
    await shot(page, 'dashboard-rollback');
  });

  it('a bad release in protected production waits for people: four eyes, an approver approves, traffic returns, the overview updates live', async (ctx) => {
    requirePart(ctx, chromium, 'Chromium (/usr/bin/chromium)');
    const bob = await person('bob');
    const overview = bob.page;
    const unchanged = await markNoReload(overview);
    const cell = overview.locator('[data-service="api"][data-environment="production"]');
    await expect.poll(() => cell.locator('.live-version').textContent()).toContain('v1 · r1');
    setFault(project, 'v2', 'error-rate');
    await cli('deploy', 'api', 'v2', '--env', 'production');
    // automatic: false — the fired trigger becomes an approval, and the open overview shows it without a reload
    await cell.locator('.approval').waitFor({ timeout: 45_000 });
    expect(await cell.locator('.live-version').textContent()).toContain('v2 · r2');
    await shot(overview, 'dashboard-overview-approval');

    const alice = await person('alice');
    await alice.page.goto(`${serve.url}/#/service/api/production`);
    await alice.page.getByRole('button', { name: 'Roll back to r1' }).click();
    const dialog = alice.page.getByRole('dialog');
    expect(await dialog.locator('.note').textContent()).toContain('second person');
    await dialog.getByLabel('Reason (required)').fill('error rate 50% on v2');
    await dialog.getByRole('button', { name: 'Roll back' }).click();
    await alice.page.getByRole('heading', { name: /^Pending/ }).waitFor();
    const mine = alice.page.locator('.approval', { has: alice.page.locator('.four-eyes') });
    await mine.waitFor();
    expect(await mine.textContent()).toContain('a second person must approve it');
    expect(await mine.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    await shot(alice.page, 'dashboard-approvals');
    const id = (await mine.getAttribute('data-approval'))!;
    expect(await whoAnswers(ports.api)).not.toBe('v1');

    const approvals = await bob.newPage();
    await approvals.goto(`${serve.url}/#/approvals`);
    const card = approvals.locator(`[data-approval="${id}"]`);
    await card.getByRole('button', { name: 'Approve' }).click();
    await approvals.getByRole('dialog').getByLabel('Reason (required)').fill('agreed, v2 is broken');
    await approvals.getByRole('dialog').getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => whoAnswers(ports.api), { timeout: 30_000 }).toBe('v1');
    await expect.poll(() => cell.locator('.live-version').textContent(), { timeout: 15_000 }).toContain('v1 · r1');
    expect(await unchanged()).toBe(true);
    const decided = (await (
      await apiFetch(`${serve.url}/v1/approvals?status=approved`, {}, stateOf(project))
    ).json()) as { id: string; requestedBy: string; decidedBy: string }[];
    expect(decided.find((a) => a.id === id)).toMatchObject({ requestedBy: 'alice', decidedBy: 'bob' });
  });

  it('the charts draw the points the API returns for the same window, each threshold at its configured value', async (ctx) => {
    requirePart(ctx, chromium, 'Chromium (/usr/bin/chromium)');
    const page = await people[0]!.newPage();
    for (const [service, env] of [
      ['web', 'staging'],
      ['api', 'production'],
    ] as const) {
      await page.goto(`${serve.url}/#/service/${service}/${env}`);
      for (const metric of ['errorRate', 'latencyP95Ms', 'requestRate']) {
        const chart = page.locator(`figure.chart[data-metric="${metric}"]`);
        await chart.waitFor();
        const compared = await compareChart(
          chart,
          `${serve.url}/v1/signals/${service}?environment=${env}`,
          metric,
          stateOf(project),
        );
        expect(compared.releases.length).toBeGreaterThan(0);
        expect(compared.lines.length).toBe(compared.thresholds.length);
        for (const [i, line] of compared.lines.entries()) {
          expect(new Set(line.values)).toEqual(new Set([compared.thresholds[i]!.value]));
        }
        expect(compared.firedDrawn).toBe(compared.firedApi);
        // every release was watched (web: v1, the drill's copy, v2; api: v1, v2) and each has points drawn,
        // whether its triggers read windows (web) or sequential evidence (api)
        expect(compared.releases.length, `${service} ${metric}`).toBe(service === 'web' ? 3 : 2);
        for (const column of compared.releaseColumns) {
          expect(
            column.column.filter((v) => v !== null).length,
            `${service} ${metric} ${column.label}`,
          ).toBeGreaterThan(0);
        }
        // where nobody watched for longer than a few samples, every release's line stops
        const holes = holesDrawn(compared, 3000);
        expect(holes.every(Boolean), `${service} ${metric}: a hole in ${holes.length} gaps`).toBe(true);
        // web was left unwatched for QUIET_MS between the drill and v2
        if (service === 'web') expect(holes.length, `${metric} gaps`).toBeGreaterThan(0);
        if (metric === 'errorRate') {
          expect(compared.lines.map((l) => l.label)).toEqual(['errors > 0.1']);
          // it fired on the drill's copy and on api's bad release
          expect(compared.firedDrawn).toBeGreaterThan(0);
          // r2 (web: the drill's faulty copy, api: the bad v2) is drawn above the line it fired on
          const bad = compared.releaseColumns.find((c) => c.label === 'r2')!;
          expect(Math.max(...bad.column.filter((v) => v !== null))).toBeGreaterThan(0.1);
        }
        if (metric === 'latencyP95Ms' && service === 'api') {
          expect(compared.lines.map((l) => l.label)).toEqual(['slow > 5000']);
        }
      }
      if (service === 'web') await shot(page, 'dashboard-service');
    }
    await page.close();
  });

  it('the backups page shows each database’s recovery point: the newest verified backup, its age, the rpo met', async (ctx) => {
    requirePart(ctx, chromium, 'Chromium (/usr/bin/chromium)');
    const admin = stateOf(project);
    // the leader verifies the scene's backup by restoring it into a scratch copy
    const status = await waitFor(
      'the backup verified by the leader',
      async () => {
        const answer = await apiFetch(`${serve.url}/v1/db/status?database=app`, {}, admin);
        const body = (await answer.json()) as { backups: { latestVerified: string | null; rpoMet: boolean | null } };
        return body.backups.latestVerified ? body.backups : null;
      },
      60_000,
      300,
    );
    expect(status?.rpoMet).toBe(true);
    const vera = await person('vera');
    await vera.page.goto(`${serve.url}/#/backups`);
    const point = vera.page.locator('[data-database="app"] .recovery-point');
    await point.waitFor();
    const text = (await point.textContent()) ?? '';
    expect(text).toContain(`Recovery point: ${status?.latestVerified}, verified,`);
    expect(text).toMatch(/, verified, \d+ s old · RPO 60 min/);
    expect(await point.getAttribute('data-rpo-met')).toBe('true');
    expect(await point.locator('.badge-ok').textContent()).toBe('rpo met');
    const row = vera.page.locator('[data-database="app"] tbody tr', { hasText: status?.latestVerified ?? '?' });
    expect(await row.locator('.badge-ok').first().textContent()).toBe('passed');
  });

  it('every page works at 1280×800 and 390×844 and by keyboard, with no console error and no request elsewhere', async (ctx) => {
    requirePart(ctx, chromium, 'Chromium (/usr/bin/chromium)');
    const admin = stateOf(project);
    const rollbacks = (await (await apiFetch(`${serve.url}/v1/rollbacks?limit=50`, {}, admin)).json()) as {
      id: string;
      service: string;
      kind: string;
    }[];
    const manual = rollbacks.find((r) => r.service === 'web' && r.kind === 'manual')!;
    const tour = [
      ['overview', '#/', 'Overview'],
      ['service', '#/service/web/staging', 'web staging'],
      ['rollback', `#/rollback/${manual.id}`, 'Rollback'],
      ['approvals', '#/approvals', 'Approvals'],
      ['incidents', '#/incidents', 'Incidents'],
      ['incident', `#/incident/${manual.id}`, 'Incident report'],
      ['drills', '#/drills', 'Drills'],
      ['backups', '#/backups', 'Backups'],
    ];
    const phone = await person('oscar', PHONE);
    for (const [who, viewport] of [
      [people[1]!, 'desktop'],
      [phone, 'phone'],
    ] as const) {
      const { page } = who;
      for (const [name, hash, heading] of tour) {
        await page.goto(`${serve.url}/${hash}`);
        await page.getByRole('heading', { level: 1, name: heading }).waitFor();
        if (name === 'overview') await page.locator('[data-service]').first().waitFor();
        if (name === 'rollback' || name === 'service') await page.locator('table tbody tr').first().waitFor();
        if (name === 'drills') await page.locator('tbody tr').first().waitFor();
        if (name === 'incident') await page.getByRole('heading', { name: 'Timeline' }).waitFor();
        // nothing wider than the screen: tables scroll inside their own box
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        // when it fails, say which elements stick out (their tag, class and first words)
        const wide = await page.evaluate(() =>
          Array.from(document.querySelectorAll('main *'))
            .filter((el) => el.getBoundingClientRect().right > window.innerWidth && !el.closest('.table-wrap'))
            .slice(0, 3)
            .map((el) => `${el.tagName.toLowerCase()}.${el.className}: ${(el.textContent ?? '').slice(0, 60)}`),
        );
        expect(overflow, `${name} at ${viewport}: ${wide.join(' | ')}`).toBeLessThanOrEqual(0);
        if (viewport === 'phone' && ['overview', 'service', 'rollback'].includes(name!)) {
          await shot(page, `dashboard-phone-${name}`);
        }
        if (viewport === 'desktop' && ['incidents', 'incident', 'drills'].includes(name!)) {
          await shot(page, `dashboard-${name}`);
        }
      }
    }
    const desktop = people[1]!.page;
    await desktop.goto(`${serve.url}/#/backups`);
    await desktop.getByRole('button', { name: 'Verify' }).first().click();
    await desktop.locator('.verify .badge-ok', { hasText: 'verified' }).waitFor();
    await shot(desktop, 'dashboard-backups');
    expect(await desktop.locator('tbody tr').count()).toBe(
      ((await (await apiFetch(`${serve.url}/v1/db/backups?database=app`, {}, admin)).json()) as unknown[]).length,
    );

    // search and the needs-attention filter narrow the grid (api still has the monitor's approval waiting)
    await desktop.goto(`${serve.url}/#/`);
    await desktop.locator('[data-service="web"]').waitFor();
    const shown = () => desktop.locator('[data-service]').evaluateAll((els) => els.map((e) => e.dataset.service));
    await desktop.getByLabel('Search').fill('api');
    expect(await shown()).toEqual(['api']);
    await desktop.getByLabel('Search').fill('');
    await desktop.getByLabel('Needs attention').check();
    expect(await shown()).toEqual(['api']);
    await desktop.getByLabel('Needs attention').uncheck();
    expect((await shown()).sort()).toEqual(['api', 'web']);

    // by keyboard alone: Tab to the web card's link, Enter opens the service page
    await desktop.goto(`${serve.url}/#/`);
    await desktop.locator('[data-service="web"]').waitFor();
    let focused = '';
    for (let i = 0; i < 20 && focused !== 'web'; i += 1) {
      await desktop.keyboard.press('Tab');
      focused = await desktop.evaluate(() => document.activeElement?.textContent?.trim() ?? '');
    }
    expect(focused).toBe('web');
    await desktop.keyboard.press('Enter');
    await desktop.getByRole('heading', { name: 'Revisions' }).waitFor();

    // sign out ends the session: the form is back, and the old cookie no longer reads anything
    const cookie = (await people[1]!.context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    await desktop.getByRole('button', { name: 'Sign out' }).click();
    await desktop.getByLabel('Token').waitFor();
    await shot(desktop, 'dashboard-sign-in');
    expect((await apiFetch(`${serve.url}/v1/overview`, { headers: { cookie } })).status).toBe(401);

    for (const person of people) {
      expect(person.consoleErrors).toEqual([]);
      expect(person.foreignRequests).toEqual([]);
    }
  }, 180_000);
});
