/**
 * Policy replay on a recorded episode and `policy explain`:
 * a real controller records per-second samples while a release
 * degrades in stages and is rolled back; a stricter and a looser config then
 * give different, correct fire times — in-process and through the built CLI.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayRollback } from '../../src/app/policy/replay.js';
import { openStore } from '../../src/app/compose.js';
import { loadConfig } from '../../src/config/load.js';
import type { MetricsServer } from '../monitor/harness.js';
import {
  actor,
  commandService,
  httpProvider,
  startMetricsServer,
  startTestController,
  tempDir,
  waitFor,
  writeConfig,
} from '../monitor/harness.js';

const run = promisify(execFile);
let metrics: MetricsServer;
let temp: ReturnType<typeof tempDir>;
let mainFile = '';
let stricterFile = '';
let looserFile = '';
let shadowFile = '';
let rollbackId = '';

const configWith = (above: number, extra: Record<string, unknown> = {}, mode?: 'shadow') => ({
  environments: { production: {} },
  services: {
    api: commandService(temp.dir, {
      analysis: { duration: '15s' },
      triggers: [{ name: 'errors', metric: 'errorRate', above, severity: 'high', ...(mode ? { mode } : {}) }],
    }),
  },
  providers: [httpProvider(metrics.url, ['errorRate'])],
  ...extra,
});

beforeAll(async () => {
  // the built CLI comes from `npm test`'s build: rebuilding here would rewrite dist/ under the other test files
  if (!existsSync('bin/rewind.js') || !existsSync('dist'))
    throw new Error('dist/ is missing: run `npm run build` before these tests (npm test does)');
  metrics = await startMetricsServer();
  temp = tempDir('replay');
  mainFile = writeConfig(temp.dir, configWith(0.5));
  stricterFile = writeConfig(temp.dir, configWith(0.2), 'stricter.yaml');
  looserFile = writeConfig(temp.dir, configWith(0.6, { policy: { automatic: false } }), 'looser.yaml');
  shadowFile = writeConfig(temp.dir, configWith(0.2, {}, 'shadow'), 'shadow.yaml');
  const controller = await startTestController(mainFile);
  try {
    await controller.api.deploy({ service: 'api', version: 'v1', watch: true, waitStable: true, actor: actor('ci') });
    // the episode: 5 % errors, then 30 % after ~2 s, then 70 % after ~4 s (only the last breaches 0.5)
    metrics.values.set('errorRate/2', 0.05);
    await controller.api.deploy({ service: 'api', version: 'v2', actor: actor('ci') });
    await new Promise((r) => setTimeout(r, 2000));
    metrics.values.set('errorRate/2', 0.3);
    await new Promise((r) => setTimeout(r, 2000));
    metrics.values.set('errorRate/2', 0.7);
    const rollback = await waitFor('the automatic rollback', async () => {
      const [latest] = await controller.api.rollbacks({ service: 'api' });
      return latest?.status === 'succeeded' && latest;
    });
    rollbackId = rollback.id;
  } finally {
    await controller.close();
  }
}, 120_000);

afterAll(async () => {
  await metrics?.close();
  temp?.remove();
});

describe('policy replay', () => {
  it('a stricter policy fires earlier than a looser one, on the recorded seconds', async () => {
    const store = openStore(loadConfig(mainFile));
    try {
      const stricter = await replayRollback(store, rollbackId, loadConfig(stricterFile));
      const looser = await replayRollback(store, rollbackId, loadConfig(looserFile));
      const actual = await replayRollback(store, rollbackId, loadConfig(mainFile));
      expect(stricter.samples).toBeGreaterThanOrEqual(4);
      const s = stricter.replay.rows[0];
      const l = looser.replay.rows[0];
      expect(s?.value).toBeCloseTo(0.3);
      expect(l?.value).toBeCloseTo(0.7);
      expect(s?.decision?.action).toBe('rollback');
      // the looser config turns automatic rollback off: it would have asked
      expect(l?.decision?.action).toBe('ask');
      const gap = (l?.offsetMs ?? 0) - (s?.offsetMs ?? 0);
      expect(gap).toBeGreaterThanOrEqual(1000);
      expect(gap).toBeLessThanOrEqual(4000);
      // the same config as the episode fires when the monitor really did (within a second)
      expect(actual.recorded[0]?.trigger).toBe('errors');
      expect(Math.abs((actual.replay.rows[0]?.firedAt ?? 0) - (actual.recorded[0]?.at ?? 0))).toBeLessThanOrEqual(1500);
      // the stricter trigger in shadow mode: it fires at the same second, and nothing is decided
      const shadow = await replayRollback(store, rollbackId, loadConfig(shadowFile));
      expect(shadow.replay.rows[0]).toMatchObject({ shadow: true, decision: null, offsetMs: s?.offsetMs });
      expect(shadow.replay.first).toBeNull();
    } finally {
      await store.close();
    }
  });

  it('the CLI prints the replay and the matrix as JSON', async () => {
    expect(existsSync('dist/cli/commands/policy.js')).toBe(true);
    const env = { ...process.env, NO_COLOR: '1' };
    const replayed = await run(
      'node',
      [
        'bin/rewind.js',
        'policy',
        'replay',
        '--rollback',
        rollbackId,
        '-c',
        stricterFile,
        '--state',
        mainFile,
        '--json',
      ],
      { env },
    );
    const parsed = JSON.parse(replayed.stdout) as { replay: { rows: { trigger: string; value: number }[] } };
    expect(parsed.replay.rows[0]).toMatchObject({ trigger: 'errors', value: 0.3 });

    const explained = await run(
      'node',
      ['bin/rewind.js', 'policy', 'explain', 'api', '--env', 'production', '-c', looserFile, '--json'],
      { env },
    );
    const explanation = JSON.parse(explained.stdout) as {
      automatic: boolean;
      matrixSource: string;
      rows: { rule: string; action: string }[];
      triggers: { condition: string }[];
    };
    expect(explanation).toMatchObject({ automatic: false, matrixSource: 'default' });
    expect(explanation.rows.map((r) => [r.rule, r.action])).toContainEqual(['error-rate', 'rollback']);
    expect(explanation.triggers[0]?.condition).toBe('> 0.6');
    const shadowExplained = await run(
      'node',
      ['bin/rewind.js', 'policy', 'explain', 'api', '-c', shadowFile, '--json'],
      { env },
    );
    expect((JSON.parse(shadowExplained.stdout) as { triggers: { mode: string }[] }).triggers[0]?.mode).toBe('shadow');

    const text = await run('node', ['bin/rewind.js', 'policy', 'explain', 'api', '-c', mainFile], { env });
    expect(text.stdout).toMatch(/data-integrity-or-security\s+trigger data-integrity\|security\s+escalate/);
    await expect(
      run('node', ['bin/rewind.js', 'policy', 'explain', 'nope', '-c', mainFile], { env }),
    ).rejects.toMatchObject({ code: 1 });
  });

  it('the CLI: protected undo waits (exit 4), the requester cannot approve (four-eyes), someone else can', async () => {
    const file = writeConfig(
      temp.dir,
      {
        controller: { stateDir: `${temp.dir}/.rewind-protected`, evaluationInterval: '250ms' },
        environments: { production: { protected: true } },
        services: { api: commandService(temp.dir, {}, 'protected-platform.json') },
      },
      'protected.yaml',
    );
    const controller = await startTestController(file);
    try {
      for (const version of ['v1', 'v2'])
        await controller.api.deploy({ service: 'api', version, watch: true, waitStable: true, actor: actor('ci') });
      const cli = (args: string[]) =>
        run('node', ['bin/rewind.js', ...args, '-c', file, '--controller', controller.url], {
          env: { ...process.env, NO_COLOR: '1' },
        }).then(
          (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
          (e: { code: number; stdout: string; stderr: string }) => ({
            code: e.code,
            stdout: e.stdout,
            stderr: e.stderr,
          }),
        );
      // identities come from tokens the local admin (admin.token) creates
      const tokenOf = async (name: string, role: string) => {
        const made = await cli(['token', 'create', name, '--role', role, '--json']);
        expect(made.code, made.stderr).toBe(0);
        return (JSON.parse(made.stdout) as { token: string }).token;
      };
      const alice = await tokenOf('alice', 'approver');
      const bob = await tokenOf('bob', 'approver');
      const undo = await cli(['undo', 'api', '--token', alice, '--reason', 'bad checkout', '--json']);
      expect(undo.code).toBe(4);
      const id = (JSON.parse(undo.stdout) as { approval: { id: string } }).approval.id;
      const self = await cli(['approve', id, '--token', alice]);
      expect(self.code).toBe(1);
      expect(self.stderr).toContain('a different person must approve it');
      expect((await cli(['reject', id, '--token', bob])).code).toBe(2);
      const listed = await cli(['approvals', '--json']);
      expect((JSON.parse(listed.stdout) as { id: string }[]).map((a) => a.id)).toEqual([id]);
      const ok = await cli(['approve', id, '--token', bob, '--json']);
      expect(ok.code).toBe(0);
      const approved = JSON.parse(ok.stdout) as {
        approval: { decidedBy: string };
        rollback: { status: string; requestedBy: string };
      };
      expect(approved).toMatchObject({
        approval: { decidedBy: 'bob' },
        rollback: { status: 'succeeded', requestedBy: 'alice' },
      });
    } finally {
      await controller.close();
    }
  });
});
