/**
 * The failed release's logs in the incident report, through the controller: a
 * release that prints an error with its stack trace (and a secret) and then
 * fails is rolled back automatically; the report keeps the lines around the
 * first failure of each instance, the secret masked, and the whole output
 * beside it in the state dir.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject, waitFor } from '../helpers/cli.js';
import { SAMPLE_APP, whoAnswers } from './harness.js';
import { apiFetch } from '../helpers/api.js';
import { launchChromium, personBrowser, signIn } from '../dashboard/browser.js';
import { requirePart } from '../harness/free-port.js';

const SECRET = 'pw-7f3a9c1e-never-print';

// v2 boots noisily, prints the secret and an error with its stack, then serves with an error-rate fault
const LAUNCHER = `v=$1
if [ "$v" = v2 ]; then
  echo "booting $v"
  i=1; while [ $i -le 300 ]; do echo "warming cache entry $i"; i=$((i+1)); done
  echo "connecting to the database with password $DB_PASSWORD"
  echo "Error: connection pool exhausted (10 of 10 in use)"
  echo "    at Pool.acquire (/srv/app/db.js:41:13)"
  echo "    at handler (/srv/app/server.js:88:5)"
  i=1; while [ $i -le 80 ]; do echo "after $i"; i=$((i+1)); done
  export FAULT=error-rate
fi
exec node ${SAMPLE_APP} --release "$v"
`;

let project: Project;
let serve: Serve | null = null;
afterEach(async () => {
  await serve?.kill('SIGTERM');
  serve = null;
  project?.cleanup();
});

interface ReportLog {
  instance: string;
  release: string;
  lines: string[];
  firstFailure: number | null;
  file: string;
}

describe("the failed release's logs", () => {
  it('the report keeps the error, its stack trace and the masked secret; the full output lies beside it', async (ctx) => {
    project = tempProject('rewind-logs-');
    const ports = { controller: await freePort(), front: await freePort() };
    project.write('launch.sh', LAUNCHER);
    project.write(
      'rewind.yaml',
      `version: 1
controller: { stateDir: state, listen: "127.0.0.1:${ports.controller}" }
environments: { production: {} }
services:
  web:
    driver:
      type: local
      command: ["sh", "launch.sh", "{version}"]
      cwd: ${project.dir}
      env: { DB_PASSWORD: ${SECRET} }
      instances: 2
      listen: 127.0.0.1:${ports.front}
      stopTimeout: 2s
    health: { live: /health/live, ready: /health/ready, interval: 200ms, timeout: 500ms, failureThreshold: 3, readyTimeout: 10s }
    analysis: { duration: 8s }
    postRollback: { watch: 1s }
    triggers:
      - { metric: errorRate, above: 0.1, evidence: sequential, falseAlarm: 0.001, severity: high }
`,
    );
    serve = await startServe(project, ports.controller);
    const cli = (...args: string[]) => runCli(args, { cwd: project.dir });
    expect((await cli('deploy', 'web', 'v1', '--watch')).code).toBe(0);

    let loading = true;
    const loop = async () => {
      while (loading) await whoAnswers(ports.front);
    };
    const load = Promise.all([loop(), loop(), loop()]);
    const watched = await cli('deploy', 'web', 'v2', '--watch', '--json');
    loading = false;
    await load;
    expect(watched.code, `${watched.stdout}${watched.stderr}`).toBe(3);
    const { rollbackId } = JSON.parse(watched.stdout) as { rollbackId: string };
    await waitFor('the automatic rollback to finish', async () => {
      const detail = JSON.parse((await cli('rollback', 'show', rollbackId, '--json')).stdout);
      return detail.status === 'succeeded' ? detail : null;
    });

    const report = JSON.parse((await cli('report', rollbackId, '--json')).stdout) as {
      logs: ReportLog[];
      logsNotCollected: string | null;
    };
    expect(report.logsNotCollected).toBeNull();
    expect(report.logs.map((l) => [l.instance, l.release])).toEqual([
      ['web-production-r2-0', 'v2'],
      ['web-production-r2-1', 'v2'],
    ]);
    for (const log of report.logs) {
      const error = log.lines.indexOf('Error: connection pool exhausted (10 of 10 in use)');
      expect(log.firstFailure).toBe(error);
      // the default window: 200 lines before the first failure, 50 after it
      expect(error).toBe(200);
      expect(log.lines[0]).toBe('warming cache entry 102');
      expect(log.lines.slice(error + 1, error + 3)).toEqual([
        '    at Pool.acquire (/srv/app/db.js:41:13)',
        '    at handler (/srv/app/server.js:88:5)',
      ]);
      expect(log.lines.at(-1)).toBe('after 48');
      expect(log.lines).toContain('connecting to the database with password ***');
      // the whole output, masked, beside the report
      const full = readFileSync(log.file, 'utf8');
      expect(full).toContain('warming cache entry 1\n');
      expect(full).toContain('after 80\n');
      expect(full).toContain('connecting to the database with password ***');
      expect(full).not.toContain(SECRET);
    }
    const markdown = (await cli('report', rollbackId)).stdout;
    expect(markdown).toContain("## The failed release's logs");
    expect(markdown).toContain('Error: connection pool exhausted (10 of 10 in use)   <-- first failure');
    expect(markdown).not.toContain(SECRET);

    // the secret is nowhere in what Rewind wrote about the incident
    const incidents = join(project.dir, 'state', 'incidents');
    await waitFor('the written report', async () => readdirSync(incidents).some((n) => n.endsWith('.md')));
    for (const name of readdirSync(incidents)) {
      const path = join(incidents, name);
      const files = name.endsWith('-logs') ? readdirSync(path).map((f) => join(path, f)) : [path];
      for (const file of files) expect(readFileSync(file, 'utf8')).not.toContain(SECRET);
    }
    expect(existsSync(join(incidents, `${rollbackId}-logs`))).toBe(true);
    const events = await (
      await apiFetch(
        `${serve.url}/v1/events?rollbackId=${rollbackId}&limit=1000`,
        {},
        { dir: project.dir, stateDir: join(project.dir, 'state') },
      )
    ).text();
    expect(events).toContain('rollback.logs');
    expect(events).not.toContain(SECRET);

    // the dashboard's rollback page shows them, the first failure marked
    const chromium = await launchChromium();
    requirePart(ctx, chromium, 'Chromium (/usr/bin/chromium)');
    try {
      const person = await personBrowser(chromium.browser, serve.url);
      const token = readFileSync(join(project.dir, 'state', 'admin.token'), 'utf8').trim();
      await signIn(person.page, serve.url, token, `#/rollback/${rollbackId}`);
      const marked = person.page.locator('details[data-instance="web-production-r2-0"] mark[data-first-failure]');
      await marked.waitFor({ timeout: 20_000 });
      expect((await marked.textContent())?.trim()).toBe('Error: connection pool exhausted (10 of 10 in use)');
      const shown = await person.page.locator('section.failed-logs').textContent();
      expect(shown).toContain('connecting to the database with password ***');
      expect(shown).not.toContain(SECRET);
      expect(person.consoleErrors).toEqual([]);
    } finally {
      await chromium.close();
    }
  }, 120_000);
});
