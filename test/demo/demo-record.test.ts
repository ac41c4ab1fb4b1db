import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rolledBackWell, runDemoCli } from './demo-cli.js';

describe('rewind demo shows the record of its rollback', () => {
  it('error-rate: Slack, PagerDuty and webhook receivers got their messages and the incident report is written', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rewind-demo-record-'));
    try {
      const run = await runDemoCli(['--fault', 'error-rate', '--state-dir', dir]);
      rolledBackWell(run, 'error-rate');
      const { notifications, reportPath, rollbackId } = run.json;
      expect(run.wallMs).toBeLessThan(60_000);
      expect(notifications.slack).toBeGreaterThan(0);
      expect(notifications.webhook).toBeGreaterThan(0);
      expect(notifications.webhookRejected).toBe(0); // every webhook body carried a valid signature
      expect(notifications.pagerduty).toBeGreaterThan(0);
      // one PagerDuty incident per rollback: opened at the start, resolved at the end
      const trigger = notifications.pagerdutyEvents.find((e) => e.action === 'trigger');
      const resolve = notifications.pagerdutyEvents.find((e) => e.action === 'resolve');
      expect(trigger?.dedupKey).toBe(rollbackId);
      expect(resolve?.dedupKey).toBe(trigger?.dedupKey);
      // the incident report, kept with --state-dir, holds the rollback's timeline
      expect(reportPath).toMatch(new RegExp(`^${dir}/state/incidents/.*${rollbackId}\\.md$`));
      expect(existsSync(reportPath!)).toBe(true);
      const markdown = readFileSync(reportPath!, 'utf8');
      expect(markdown).toContain('## Timeline');
      expect(markdown).toContain('trigger.fired');
      expect(markdown).toContain('rollback.completed');
      // the demo's clients are 400 users (X-User-Id); v2 failed half its requests, so most users it served met one
      const users = run.json.usersAffected!;
      expect(users.served, JSON.stringify(run.json)).toBeGreaterThan(0);
      expect(users.served).toBeLessThanOrEqual(400 + users.errorBound);
      expect(users.affected).toBeGreaterThan(0);
      expect(users.affected).toBeLessThanOrEqual(users.served);
      expect(markdown).toMatch(new RegExp(`Users affected: ${users.affected} of ${users.served} served`));
      expect(run.stderr).toMatch(
        /users +\d+( ±\d+)? affected: of the \d+ users v2 served from its first failed request on, they met one/,
      );
      // the summary on stderr says the same; the secrets are never printed
      expect(run.stderr).toMatch(/pagerduty +2 events \(trigger, resolve; 1 incident by dedup_key\)/);
      expect(run.stderr).toContain(reportPath!);
      const yaml = readFileSync(path.join(dir, 'rewind.yaml'), 'utf8');
      for (const key of ['secret', 'routingKey']) {
        const secret = new RegExp(`${key}: (\\S+)`).exec(yaml)?.[1];
        expect(secret).toMatch(/^[0-9a-f]{32}$/);
        expect(run.stderr).not.toContain(secret!);
        expect(JSON.stringify(run.json)).not.toContain(secret!);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
