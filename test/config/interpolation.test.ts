/**
 * `${A:-${B}}` works, a malformed `${…}` is a positioned error (never a stray
 * `}` kept in the value), and a YAML alias bomb is a positioned config error
 * with exit 2, not an internal error.
 */
import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../src/config/issues.js';
import { checkConfig } from '../../src/config/load.js';
import { runCli, tempProject } from '../helpers/cli.js';

const config = (url: string) => `version: 1
environments: { production: {} }
services:
  api:
    driver: { type: command, start: ["true"], shiftTraffic: ["true"], retire: ["true"] }
providers:
  - { name: prom, type: prometheus, url: "${url}", queries: { q: "up" } }
`;
const urlOf = (result: ReturnType<typeof checkConfig>) => (result.config?.providers[0] as { url: string }).url;

describe('interpolation', () => {
  it('takes the nested default, or the variable when set', () => {
    expect(urlOf(checkConfig('r.yaml', config('${PROM_URL:-${FALLBACK}}'), { FALLBACK: 'http://b:9090' }))).toBe(
      'http://b:9090',
    );
    const both = { PROM_URL: 'http://a:9090', FALLBACK: 'http://b:9090' };
    expect(urlOf(checkConfig('r.yaml', config('${PROM_URL:-${FALLBACK}}'), both))).toBe('http://a:9090');
    expect(urlOf(checkConfig('r.yaml', config('${PROM_URL:-http://${HOST:-localhost}:9090}'), {}))).toBe(
      'http://localhost:9090',
    );
  });

  it('a malformed reference is an error at its line, and an unset inner variable is named', () => {
    const bad = checkConfig('r.yaml', config('${PROM_URL:-${FALLBACK}'), {});
    expect(bad.config).toBeNull();
    expect(bad.issues.map(formatIssue)).toEqual([
      expect.stringMatching(/^r\.yaml:7:\d+ providers\[0\]\.url: .*is not/),
    ]);
    const unset = checkConfig('r.yaml', config('${PROM_URL:-${FALLBACK}}'), {});
    expect(unset.issues.map(formatIssue).join('\n')).toContain('environment variable FALLBACK is not set');
  });

  it('an alias bomb is a positioned config error, exit 2', async () => {
    const levels = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]'];
    for (let i = 1; i < 9; i += 1) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(
        `${name}: &${name} [*${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}]`,
      );
    }
    const text = `version: 1\n${levels.join('\n')}\n`;
    const checked = checkConfig('r.yaml', text, {});
    expect(checked.config).toBeNull();
    expect(checked.issues.map(formatIssue)).toEqual([expect.stringMatching(/^r\.yaml:3:\d+ \(yaml\): cannot expand/)]);

    const project = tempProject('rewind-bomb-');
    try {
      project.write('rewind.yaml', text);
      const validated = await runCli(['validate'], { cwd: project.dir });
      expect(validated.code).toBe(2);
      expect(validated.stderr + validated.stdout).not.toContain('internal error');
    } finally {
      project.cleanup();
    }
  });
});
