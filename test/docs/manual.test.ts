import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkConfig } from '../../src/config/load.js';

const ROOT = resolve(import.meta.dirname, '../..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** Pages other work writes beside this manual; the index links them already. */

describe('the manual', () => {
  it('the README is one screenful: at most 200 lines, the quick start and the test command CI runs', () => {
    expect(README.split('\n').length).toBeLessThanOrEqual(200);
    expect(README).toContain('npm run demo');
    expect(README).toContain('npm test');
    expect(readFileSync(join(ROOT, '.ci/run'), 'utf8')).toMatch(/^npm test$/m);
  });

  it("the README's rewind.yaml is valid as written", () => {
    const yaml = /```yaml\n([\s\S]*?)```/.exec(README)?.[1] ?? '';
    expect(yaml.split('\n').length).toBeGreaterThan(20);
    const { issues, config } = checkConfig('README.md', yaml, { SLACK_WEBHOOK_URL: 'https://hooks.slack.com/x' });
    expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(config?.services.web?.driver.type).toBe('local');
  });

  it('every relative link of the README and docs/ reaches a file', () => {
    const pages = [join(ROOT, 'README.md'), ...markdownFiles(join(ROOT, 'docs'))];
    const broken: string[] = [];
    for (const page of pages) {
      const text = readFileSync(page, 'utf8').replace(/```[\s\S]*?```/g, '');
      for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const href = (match[1] as string).split('#')[0] as string;
        if (!href || /^[a-z]+:/.test(href)) continue;
        const target = resolve(dirname(page), href);
        if (!existsSync(target)) broken.push(`${page.slice(ROOT.length + 1)} → ${href}`);
      }
    }
    expect(pages.length).toBeGreaterThan(20);
    expect(broken).toEqual([]);
  });
});

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return markdownFiles(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}
