/**
 * The command driver's optional `logs` command, run for real: `tail` over
 * several files prints `==> NAME <==` before each, and each becomes one
 * instance; a single stream is one instance named after the release.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Release } from '../../src/core/model.js';
import { createCommandDriver } from '../../src/drivers/command/index.js';
import { createProcessRunner } from '../../src/process/index.js';

const release: Release = {
  id: 'rel_2',
  service: 'api',
  environment: 'production',
  revision: 2,
  version: 'v2',
  status: 'live',
  artifact: null,
  configHash: null,
  schemaVersion: null,
  createdAt: 0,
  updatedAt: 0,
  promotedAt: 0,
  deployedBy: 'test',
};

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const driver = (logs: string[]) =>
  createCommandDriver({
    runner: createProcessRunner(),
    start: ['true'],
    shiftTraffic: ['true'],
    retire: ['true'],
    logs,
    cwd: dir,
    env: {},
    timeoutMs: 10_000,
    redact: (text) => text.replaceAll('hunter2-secret', '***'),
  });

describe('command driver: the logs command', () => {
  it('splits `tail` output over several files into instances, the newest lines of each', async () => {
    dir = mkdtempSync(join(tmpdir(), 'rewind-command-logs-'));
    writeFileSync(join(dir, 'api-r2-a.log'), 'started a\nError: boom\n    at x (a.js:1:1)\n');
    writeFileSync(join(dir, 'api-r2-b.log'), 'started b\npassword hunter2-secret\n');
    const d = driver(['sh', '-c', 'tail -n 100 {service}-r{revision}-*.log']);
    expect(d.logs).toBeDefined();
    const outputs = await d.logs?.(release, { maxLines: 2 });
    expect(outputs).toEqual([
      { instance: 'api-r2-a.log', lines: ['Error: boom', '    at x (a.js:1:1)'] },
      { instance: 'api-r2-b.log', lines: ['started b', 'password ***'] },
    ]);
  });

  it('one stream is one instance named after the release; a failing command is an error', async () => {
    dir = mkdtempSync(join(tmpdir(), 'rewind-command-logs-'));
    const outputs = await driver(['sh', '-c', 'echo "{version} line 1"; echo "{version} line 2"']).logs?.(release);
    expect(outputs).toEqual([{ instance: 'api-r2', lines: ['v2 line 1', 'v2 line 2'] }]);
    await expect(driver(['sh', '-c', 'echo nope >&2; exit 3']).logs?.(release)).rejects.toThrow(/exited with 3: nope/);
    // without the command the driver has no logs: the report says so instead of guessing
    const { logs: _none, ...rest } = {
      runner: createProcessRunner(),
      start: ['true'],
      shiftTraffic: ['true'],
      retire: ['true'],
      logs: [],
      cwd: dir,
      env: {},
      timeoutMs: 1000,
      redact: (t: string) => t,
    };
    expect(createCommandDriver(rest).logs).toBeUndefined();
  });
});
