import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../src/config/issues.js';
import { checkConfig } from '../../src/config/load.js';

const service = (name: string, port: number, extra = '') => `  ${name}:
    driver: { type: local, command: ["node", "s.js"], listen: "127.0.0.1:${port}" }
${extra}`;

const errors = (yaml: string): string[] =>
  checkConfig('r.yaml', yaml, {})
    .issues.filter((i) => i.severity === 'error')
    .map(formatIssue);

describe('config rules of several services, flags and migration tools', () => {
  it('an unknown service in dependsOn or a group, and a dependency cycle, are errors with their key paths', () => {
    const yaml = `version: 1
environments: { production: {} }
services:
${service('web', 8081, '    dependsOn: [api, nope]\n')}${service('api', 8082, '    dependsOn: [web]\n')}groups: { backend: [api, ghost] }
`;
    const found = errors(yaml);
    expect(found).toContainEqual(expect.stringMatching(/services\.web\.dependsOn\[1\]: unknown service "nope"/));
    expect(found).toContainEqual(expect.stringMatching(/groups\.backend\[1\]: unknown service "ghost"/));
    expect(found).toContainEqual(expect.stringMatching(/dependency cycle: web → api → web/));
  });

  it('flag-off without a flag, and a flag on another action, are errors', () => {
    const yaml = `version: 1
environments: { production: {} }
services:
${service('web', 8081)}policy:
  matrix:
    - { match: { severity: [high] }, action: flag-off }
    - { match: { severity: [low] }, action: ignore, flag: X }
`;
    const found = errors(yaml);
    expect(found).toContainEqual(expect.stringMatching(/policy\.matrix\[0\]\.flag: action flag-off needs `flag`/));
    expect(found).toContainEqual(
      expect.stringMatching(/policy\.matrix\[1\]\.flag: `flag` only applies to action flag-off/),
    );
  });

  it('a command migration tool needs its three commands', () => {
    const yaml = `version: 1
environments: { production: {} }
services:
${service('web', 8081)}databases:
  app: { engine: postgres, url: "postgres://x@127.0.0.1/app", migrations: { tool: command, status: ["./db", "version"] } }
`;
    expect(errors(yaml).join('\n')).toMatch(/databases\.app\.migrations/);
  });
});
