import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../src/config/issues.js';
import { checkConfig } from '../../src/config/load.js';

const HEAD = `version: 1
environments:
  production: {}
  staging: {}
services:
  api:
    driver:
      type: local
      command: ["node", "server.js"]
      listen: 127.0.0.1:8080
`;
// line numbers below count from 1 at "version: 1"; HEAD is 10 lines

const cases: { name: string; yaml: string; expect: string[] }[] = [
  {
    name: 'a duration that is not one',
    yaml: `${HEAD}    health:\n      interval: fast\n`,
    expect: ['r.yaml:12:17 services.api.health.interval: expected a duration like "5s", got "fast"'],
  },
  {
    name: 'an unknown key with a hint',
    yaml: `${HEAD}    helth: {}\n`,
    expect: ['r.yaml:11:5 services.api.helth: unknown key "helth" (did you mean "health"?)'],
  },
  {
    name: 'a trusted proxy that is not an address',
    yaml: `${HEAD}      trustForwardedFrom: ["10.0.0.0/33"]\n`,
    expect: [
      'r.yaml:11:28 services.api.driver.trustForwardedFrom[0]: expected an IP address or a CIDR block like "10.0.0.0/8", got "10.0.0.0/33"',
    ],
  },
  {
    name: 'a backup schedule that is not a cron expression',
    yaml: `${HEAD}databases:\n  shop:\n    engine: sqlite\n    url: shop.db\n    backups: { schedule: "every hour" }\n`,
    expect: ['r.yaml:15:26 databases.shop.backups.schedule: expected a cron expression'],
  },
  {
    name: 'scheduled table backups that name no table, and tables with another kind',
    yaml: `${HEAD}databases:\n  shop:\n    engine: postgres\n    url: postgres://h/shop\n    backups: { kind: tables }\n  logs:\n    engine: postgres\n    url: postgres://h/logs\n    backups: { kind: schema, tables: [audit] }\n`,
    expect: [
      'r.yaml:15:14 databases.shop.backups.tables: expected the tables a scheduled backup of kind tables holds',
      'r.yaml:19:22 databases.logs.backups.kind: expected kind: tables with tables (audit), got kind schema',
    ],
  },
  {
    name: 'an unknown metric',
    yaml: `${HEAD}    triggers:\n      - metric: errorRatio\n        above: 0.1\n`,
    expect: ['r.yaml:12:17 services.api.triggers[0].metric: unknown metric "errorRatio"'],
  },
  {
    name: 'a trigger without a threshold',
    yaml: `${HEAD}    triggers:\n      - metric: errorRate\n`,
    expect: ['r.yaml:12:9 services.api.triggers[0]: expected exactly one of "above" or "below"'],
  },
  {
    name: 'an unknown environment referenced by a service',
    yaml: `${HEAD}    environments: [production, prod]\n`,
    expect: ['r.yaml:11:32 services.api.environments[1]: unknown environment "prod" (declared: production, staging)'],
  },
  {
    name: 'a wrong type',
    yaml: `${HEAD}      instances: two\n`,
    expect: ['r.yaml:11:18 services.api.driver.instances: expected a number, got "two"'],
  },
  {
    name: 'an unknown driver type',
    yaml: `version: 1\nenvironments: { production: {} }\nservices:\n  api:\n    driver:\n      type: nomad\n`,
    expect: ['r.yaml:6:13 services.api.driver.type: expected a known type, got "nomad"'],
  },
  {
    name: 'a missing required key',
    yaml: `version: 1\nenvironments: { production: {} }\nservices:\n  api:\n    driver:\n      type: local\n      listen: 127.0.0.1:8080\n`,
    expect: ['r.yaml:6:7 services.api.driver.command: required key is missing (expected a list)'],
  },
  {
    name: 'a bad enum value',
    yaml: `${HEAD}    strategy: rainbow\n`,
    expect: ['r.yaml:11:15 services.api.strategy: expected one of "bluegreen", "canary", "rolling", got "rainbow"'],
  },
  {
    name: 'a bad host:port',
    yaml: `version: 1\ncontroller:\n  listen: localhost\nenvironments: { production: {} }\nservices: {}\n`,
    expect: ['r.yaml:3:11 controller.listen: expected host:port like "127.0.0.1:8080", got "localhost"'],
  },
  {
    name: 'duplicate trigger names',
    yaml: `${HEAD}    triggers:\n      - { name: errors, metric: errorRate, above: 0.1 }\n      - { name: errors, metric: errorRate, above: 0.5 }\n`,
    expect: ['r.yaml:13:17 services.api.triggers[1].name: duplicate trigger name "errors"'],
  },
  {
    name: 'an unknown database',
    yaml: `${HEAD}    database: main\n`,
    expect: ['r.yaml:11:15 services.api.database: unknown database "main" (declared: none)'],
  },
  {
    name: 'canary steps that do not end at 100',
    yaml: `${HEAD}    canary:\n      steps: [10, 50]\n`,
    expect: ['r.yaml:12:14 services.api.canary.steps: expected increasing percents ending at 100, got [10, 50]'],
  },
  {
    name: 'an unset environment variable',
    yaml: `${HEAD}    database: \${REWIND_TEST_SURELY_UNSET}\n`,
    expect: ['r.yaml:11:15 services.api.database: environment variable REWIND_TEST_SURELY_UNSET is not set'],
  },
  {
    name: 'a route to an unknown channel',
    yaml: `version: 1\nenvironments: { production: {} }\nservices: {}\nnotifications:\n  channels:\n    - { name: ops, type: webhook, url: "http://127.0.0.1:1/x" }\n  routes:\n    - { events: ["rollback.*"], channels: [ops, pager] }\n`,
    expect: ['r.yaml:8:49 notifications.routes[0].channels[1]: unknown channel "pager" (declared: ops)'],
  },
  {
    name: 'a negative threshold count',
    yaml: `${HEAD}    health:\n      failureThreshold: 0\n`,
    expect: ['r.yaml:12:25 services.api.health.failureThreshold: expected at least 1, got 0'],
  },
  {
    name: 'the wrong config version',
    yaml: `version: 2\nenvironments: { production: {} }\nservices: {}\n`,
    expect: ['r.yaml:1:10 version: expected one of 1, got 2'],
  },
  {
    name: 'two services on one front door',
    yaml: `${HEAD}  web:\n    driver: { type: local, command: [x], listen: 127.0.0.1:8080 }\n`,
    expect: [
      'r.yaml:12:50 services.web.driver.listen: address 127.0.0.1:8080 is already the front door of service "api"',
    ],
  },
  {
    name: 'two environments on one front door',
    yaml: HEAD,
    expect: [
      'r.yaml:10:15 services.api.driver.listen: one front door (127.0.0.1:8080) cannot serve 2 environments (production, staging)',
    ],
  },
  { name: 'YAML syntax', yaml: `version: 1\nservices:\n  api: [unclosed\n`, expect: ['r.yaml:4:1 (yaml):'] },
];

describe('broken configs name the file, line, column and key path', () => {
  it.each(cases)('$name', ({ yaml, expect: expected }) => {
    const { config, issues } = checkConfig('r.yaml', yaml, {});
    expect(config).toBeNull();
    const lines = issues.map(formatIssue);
    for (const want of expected)
      expect(
        lines.some((l) => l.startsWith(want)),
        `${want}\n  not in:\n${lines.join('\n')}`,
      ).toBe(true);
  });

  it('reports every problem at once', () => {
    const yaml = `${HEAD}    health:\n      interval: fast\n      timout: 1s\n    strategy: rainbow\n    triggers:\n      - metric: nope\n        above: 1\n`;
    const { issues } = checkConfig('r.yaml', yaml, {});
    expect(issues.map((i) => i.path)).toEqual([
      'services.api.driver.listen', // HEAD's local service on both environments
      'services.api.health.interval',
      'services.api.health.timout',
      'services.api.strategy',
      'services.api.triggers[0].metric',
    ]);
  });
});
