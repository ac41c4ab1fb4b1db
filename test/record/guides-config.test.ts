import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApi } from '../../src/app/index.js';
import { closeContext, composeContext } from '../../src/app/compose.js';
import { startNotifications } from '../../src/app/record/notifications.js';
import { targetsFor } from '../../src/app/record/targets.js';
import { scheduleDrills } from '../../src/app/drill/schedule.js';
import { loadConfig } from '../../src/config/load.js';
import type { Project } from '../helpers/cli.js';
import { tempProject } from '../helpers/cli.js';
import { commandProject } from './project.js';

/** the first ```yaml block of a guide under docs/guides/ */
function firstYamlBlock(guide: string): string {
  const text = readFileSync(resolve(import.meta.dirname, '../../docs/guides', guide), 'utf8');
  const match = /```yaml\n([\s\S]*?)```/.exec(text);
  expect(match, guide).not.toBeNull();
  return match?.[1] ?? '';
}

let project: Project | null = null;
afterEach(() => {
  project?.cleanup();
  project = null;
});

describe("the guides' configuration works as written", () => {
  it('channels, routes, templates, targets and drills of the guides load, build their notifiers and schedules', async () => {
    project = tempProject('rewind-readme-');
    const secrets = {
      SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/readme',
      PAGERDUTY_ROUTING_KEY: 'rk-readme',
      REWIND_WEBHOOK_SECRET: 'whsec-readme',
      STATUSPAGE_TOKEN: 'sp-readme',
      SMTP_PASSWORD: 'smtp-readme',
    };
    Object.assign(process.env, secrets);
    const targets = firstYamlBlock('incident-reports.md')
      .replace(/environments:[\s\S]*$/, '')
      .trimEnd();
    const drills = firstYamlBlock('drills.md');
    const path = commandProject(project, `${firstYamlBlock('notifications.md')}${targets}\n${drills}`);
    // the guides' production/staging environments beside the project's own
    const text = readFileSync(path, 'utf8').replace(
      'environments:\n  production: {}',
      `environments:\n  production:\n    targets: { detectionToDecision: 1m, decisionToExecution: 30s, executionToStable: 5m, total: 7m }\n  staging: {}`,
    );
    project.write('rewind.yaml', text);
    const loaded = loadConfig(path);
    expect(loaded.config.notifications.channels.map((c) => c.type)).toEqual([
      'slack',
      'pagerduty',
      'webhook',
      'statuspage',
      'email',
    ]);
    expect(loaded.config.notifications.templates.initiated).toContain('{{fromVersion}}');
    expect(targetsFor(loaded.config, 'production')).toMatchObject({ decisionToExecution: '30s' });
    expect(targetsFor(loaded.config, 'staging')).toMatchObject({ decisionToExecution: '2m', total: '17m' });
    expect(loaded.config.drills.map((d) => d.fault)).toEqual(['error-rate', 'latency']);

    const ctx = composeContext(loaded);
    try {
      expect(startNotifications(ctx, { pollMs: 60_000 })).not.toBeNull();
      const stop = scheduleDrills(loaded, ctx, createApi(ctx));
      await stop();
    } finally {
      await closeContext(ctx);
    }
  });
});
