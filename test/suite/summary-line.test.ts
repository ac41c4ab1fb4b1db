import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const CONFIG = resolve(ROOT, 'test/fixtures/summary/vitest.config.ts');

describe('the summary line CI prints', () => {
  it('counts a file that fails at import and a failed beforeAll as failed, agreeing with the exit status', () => {
    const run = spawnSync(
      process.execPath,
      [resolve(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--config', CONFIG],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 120_000,
        env: { ...process.env, CI: 'true', NO_COLOR: '1' },
      },
    );
    const line = /(\d+) passed, (\d+) failed, (\d+) skipped/.exec(run.stdout);
    expect(line, run.stdout + run.stderr).not.toBeNull();
    const [, passed, failed, skipped] = line!.map(Number);
    expect(run.status).toBe(1);
    // one passing test; the file that cannot import and the describe whose beforeAll threw
    expect({ passed, failed, skipped }).toEqual({ passed: 1, failed: 2, skipped: 2 });
    // above it, where the run's time went: every file of the run, longest first
    const slowest = /slowest files \(all (\d+) files: \d+ s of tests and hooks\)\n((?: +\d+ s {2}\S+\n)+)/.exec(
      run.stdout,
    );
    expect(slowest, run.stdout).not.toBeNull();
    expect(Number(slowest![1])).toBe(3);
    expect(slowest![2]).toContain('passes.check.ts');
  });
});
